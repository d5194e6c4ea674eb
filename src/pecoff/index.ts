/**
 * Not built yet: see the project's issues. This entry point exists so that
 * the subpath export `bootproto/pecoff` resolves.
 *
 * @module bootproto/pecoff
 */
export {};
