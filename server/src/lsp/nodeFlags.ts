/**
 * The node flags the language server process runs with, for both of its launchers: the VS
 * Code client (client/src/extension.ts, the forked module's execArgv) and `irqlens lsp
 * --stdio` (bin/irqlens.js runs the server in a child with them). They are command-line
 * flags because NODE_OPTIONS refuses `--min-semi-space-size`.
 *
 * They fix V8's young generation at one size for the whole session. By default its two
 * semi-spaces start small and double, up to 16 MiB each, once the bytes that survived
 * scavenges since the last growth exceed their capacity. That count only accumulates, so
 * every long session reaches the cap whatever its live data, and the server's RSS steps up
 * by 16 MiB at some point hours into an editing session (BENCHMARKS.md, "Language server
 * soak"). A fixed size is used from the start, so memory is what it will be rather than
 * what it will become; 8 MiB (half the default cap) measured best over 10,000 edits, where
 * 4 and 16 MiB left more growth.
 */
const SEMI_SPACE_MIB = 8;

export const SERVER_NODE_FLAGS: readonly string[] = [`--min-semi-space-size=${SEMI_SPACE_MIB}`, `--max-semi-space-size=${SEMI_SPACE_MIB}`];
