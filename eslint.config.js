// ESLint with typescript-eslint's type-checked rules; Prettier formats (eslint-config-prettier turns off the
// rules it owns). The import rules keep src/ a pipeline: no cycles, no import from a layer above.
import js from "@eslint/js";
import stylistic from "@stylistic/eslint-plugin";
import prettier from "eslint-config-prettier";
import { createTypeScriptImportResolver } from "eslint-import-resolver-typescript";
import importX from "eslint-plugin-import-x";
import tseslint from "typescript-eslint";

/** src/ from the bottom up: each layer may import the ones before it, never the ones after it. */
const LAYERS = ["core", "gateways", "recovery", "queue", "notify", "intake", "service", "cli"];

const layerZones = LAYERS.map((layer, index) => ({
  target: `./src/${layer}`,
  from: [...LAYERS.slice(index + 1).map((above) => `./src/${above}`), "./src/cli.ts"],
  message: `src/${layer} must not import from a layer above it (${LAYERS.join(" < ")})`,
}));

export default tseslint.config(
  { ignores: ["**/dist/", "**/node_modules/", ".tools/", "coverage/", ".sandbox*/"] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: { allowDefaultProject: ["eslint.config.js", "scripts/*.mjs"] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    plugins: { "import-x": importX },
    settings: {
      // The modules an import leads to are read with the TypeScript parser, so that no-cycle follows them.
      "import-x/extensions": [".ts", ".js", ".mjs"],
      "import-x/parsers": { "@typescript-eslint/parser": [".ts"] },
      "import-x/resolver-next": [
        // The product and the sandbox package each have a tsconfig; both are meant.
        createTypeScriptImportResolver({
          project: ["tsconfig.json", "packages/*/tsconfig.json"],
          noWarnOnMultipleProjects: true,
        }),
      ],
    },
    rules: {
      "import-x/no-cycle": "error",
      "import-x/no-self-import": "error",
      "import-x/no-duplicates": "error",
      "import-x/no-restricted-paths": [
        "error",
        {
          zones: [
            ...layerZones,
            {
              target: "./packages/kube-sandbox",
              from: ["./src", "./test", "./bench", "./scripts"],
              message: "the sandbox is a package of its own: it imports nothing from the product",
            },
          ],
        },
      ],
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      // Passing on what a callee threw, as it is, is how a wrapper stays transparent.
      "@typescript-eslint/prefer-promise-reject-errors": ["error", { allowThrowingUnknown: true }],
    },
  },
  {
    // The product never depends on its development tools.
    files: ["src/**/*.ts"],
    rules: {
      "@typescript-eslint/no-restricted-imports": [
        "error",
        {
          paths: [
            { name: "kube-sandbox", message: "the sandbox is a development dependency: tests and scripts only" },
            {
              name: "@kubernetes/client-node",
              allowTypeImports: true,
              message:
                "its index loads every API group; import the module that defines the value " +
                "(see src/gateways/kubernetes/lean-client-loading.ts)",
            },
          ],
        },
      ],
    },
  },
  {
    files: ["**/*.js", "**/*.mjs"],
    ...tseslint.configs.disableTypeChecked,
  },
  prettier,
  {
    // Prettier keeps code within 120 columns but leaves long strings and comments alone.
    plugins: { "@stylistic": stylistic },
    rules: { "@stylistic/max-len": ["error", { code: 120, tabWidth: 2, ignoreUrls: true }] },
  },
);
