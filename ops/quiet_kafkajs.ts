/**
 * Imported first by the command-line tools: kafkajs's `TimeoutNegativeWarning` lines (see
 * `@sentiment/kit/node_warnings`) are dropped so that a tool's output stays readable; every other
 * warning still prints.
 *
 * @module
 */
import { routeNodeWarnings } from "@sentiment/kit/node_warnings";

routeNodeWarnings();
