// The QR reader (scan.ts with ZXing) is about 85 % of the page's script, and
// most visits never use it: a verification link or a certificate file needs
// no camera. So build.mjs puts the reader into the page as text (a script
// element of type text/plain, still one self-contained file) and the page
// runs it only when a person scans or chooses a picture; opening a link
// then does not pay for loading and compiling it.
type Scanner = typeof import("./scan.js");

let scanner: Scanner | undefined;

/** The QR reader, started on first use; throws when the page carries none. */
export function loadScanner(): Scanner {
  if (scanner !== undefined) return scanner;
  const source = document.getElementById("govchain-scanner");
  if (source === null || !source.textContent) throw new Error("this page carries no QR reader");
  // An inline script inserted into the document runs at once (the page's
  // Content-Security-Policy allows inline scripts, as for the page itself).
  const script = document.createElement("script");
  script.textContent = source.textContent;
  document.head.appendChild(script);
  scanner = (window as unknown as { govchainScanner?: Scanner }).govchainScanner;
  if (scanner === undefined) throw new Error("the QR reader did not start");
  return scanner;
}
