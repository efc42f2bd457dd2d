// The entry of the QR reader's own bundle (build.mjs): it hands the reader
// to the page's script, which runs this bundle on first use
// (scanner-loader.ts).
import * as scanner from "./scan.js";

(window as unknown as { govchainScanner: typeof scanner }).govchainScanner = scanner;
