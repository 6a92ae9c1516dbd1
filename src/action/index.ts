import "./early-start.js";
import { run } from "./main.js";

await run();
