import { prefetchTokenizer } from "../core/model/token-count.js";

// Evaluated before the rest of the bundle (index.ts imports it first): the tokenizer's thread builds its tables
// (~0.5 s of CPU) while the main thread evaluates the bundle, reads the event and starts the clone. The crew's
// first phase counts tokens about a second later. A run that turns out to have nothing to do exits regardless:
// the thread does not keep the process alive.
prefetchTokenizer();
