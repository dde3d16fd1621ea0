// Pulumi runs this module: it exports the program as an async function, whose result becomes the
// stack outputs. The work happens in program.ts, so tests and the offline render can call it too.
import { deployLab } from "./program";

export = () => deployLab();
