import type { z } from "zod";
import type { serviceFileSchema } from "./config-schema.js";
import type { ServiceSettings } from "./types.js";

/** The `service` section with defaults applied, copied so the parsed file is not shared. */
export function resolveService(parsed: z.output<typeof serviceFileSchema>): ServiceSettings {
  return {
    alertNames: [...parsed.alertNames],
    defaultMode: parsed.defaultMode,
    history: { ...parsed.history },
    circuitBreaker: { ...parsed.circuitBreaker },
    retry: { ...parsed.retry },
    sweep: { ...parsed.sweep },
  };
}
