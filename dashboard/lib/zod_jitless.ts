/**
 * Zod compiles fast object parsers with `new Function`, which the page's Content-Security-Policy
 * (script-src 'self', no 'unsafe-eval') forbids: every schema would log a violation and fall back
 * anyway. Jitless mode never tries. Zod reads the setting when a schema is created, so the
 * browser entry imports this module before anything that defines one.
 *
 * @module
 */
import { z } from "zod";

z.config({ jitless: true });
