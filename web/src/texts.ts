// The page's words, German first (the language of the offices and the
// people they serve), English on the switch.
export type Language = "de" | "en";

export const verdictTexts: Record<string, { de: string; en: string }> = {
  valid: { de: "Die Bescheinigung ist gültig.", en: "The certificate is valid." },
  unknown_id: { de: "Diese Bescheinigung gibt es nicht.", en: "No such certificate exists." },
  commitment_mismatch: { de: "Das Dokument wurde verändert oder gehört zu einer anderen Bescheinigung.",
    en: "The document was altered or belongs to another certificate." },
  issuer_lacked_role: { de: "Die ausstellende Stelle war dazu nicht berechtigt.",
    en: "The issuer did not hold the required authority." },
  not_yet_valid: { de: "Noch nicht gültig.", en: "Not valid yet." },
  expired: { de: "Abgelaufen.", en: "Expired." },
  suspended: { de: "Vorläufig ausgesetzt.", en: "Suspended." },
  revoked: { de: "Widerrufen.", en: "Revoked." },
  consumed: { de: "Bereits verwendet.", en: "Already used." },
  wrong_zone: { de: "Gilt nicht für diese Zone.", en: "Not valid for this zone." },
  bundle_invalid: { de: "Der Nachweis ist beschädigt oder gefälscht.", en: "The proof is damaged or forged." },
  untrusted_anchor: { de: "Der Nachweis stammt nicht aus dem hinterlegten Verbund.",
    en: "The proof does not come from the trusted consortium." },
  wrong_chain: { de: "Die Bescheinigung gehört zu einem anderen Verbund.",
    en: "The certificate belongs to another consortium." },
  no_proof: { de: "Prüfung nicht möglich: kein Nachweis und kein Knoten erreichbar.",
    en: "Cannot check: no proof and no node reachable." },
  unreadable: { de: "Der Code oder die Datei ist nicht lesbar.", en: "The code or file cannot be read." },
};

export const reasonTexts: Record<string, { de: string; en: string }> = {
  insurance_expired: { de: "Die Haftpflichtversicherung ist abgelaufen.", en: "The liability insurance has ended." },
  not_issued_yet: { de: "Zu diesem Zeitpunkt noch nicht ausgestellt.", en: "Not issued yet at that time." },
};

export const labels = {
  de: {
    title: "Bescheinigung prüfen", valid: "GÜLTIG", invalid: "UNGÜLTIG", checking: "Wird geprüft …",
    intro: "QR-Code scannen, Text einfügen oder die Bescheinigungsdatei hierher ziehen. Nichts davon wird an einen Server gesendet.",
    scan: "Kamera: QR-Code scannen", stopScan: "Kamera beenden", paste: "Prüfen", pastePlaceholder: "QR-Text oder Link einfügen",
    file: "Datei wählen (Bescheinigung oder Bild eines QR-Codes)", drop: "Datei hierher ziehen",
    checked: "Geprüft", asOf: "Stand", block: "Block", source: "Quelle",
    statusChecked: "Status geprüft", documentChecked: "Dokument geprüft", documentNotChecked: "Dokument nicht geprüft",
    documentMismatch: "Dokument passt nicht", offline: "aus dem mitgeführten Nachweis, ohne Verbindung",
    online: "vom Knoten abgefragt und im Browser nachgerechnet",
    type: "Art", municipality: "Zuständige Kommune", validity: "Gültigkeit", from: "ab", fromIssuance: "ab Ausstellung", until: "bis", noEnd: "unbefristet",
    history: "Verlauf", conditions: "Auflagen", zone: "Zone", document: "Angaben im Dokument",
    anchorPinned: "Vertrauensanker hinterlegt", anchorFromFile: "Vertrauensanker aus der Bescheinigung (nicht hinterlegt)",
    anchorFromNode: "Vertrauensanker vom Knoten", signatures: "Unterschriften", of: "von",
    refreshFailed: "Knoten nicht erreichbar; es gilt der mitgeführte Nachweis.",
    unpinnedWarning: "Achtung: Diese Seite kennt keinen Vertrauensanker des Verbunds; geprüft wurde gegen den Anker, den die Bescheinigung selbst nennt. Die Kennung muss mit der veröffentlichten übereinstimmen.",
    types: { dog_permit: "Erlaubnis zur Haltung eines gefährlichen Hundes", street_music_permit: "Erlaubnis für Straßenmusik",
      identity_attestation: "Identitätsbestätigung", landlord_confirmation: "Wohnungsgeberbestätigung",
      archive_batch: "Archiv-Nachweis" } as Record<string, string>,
    statuses: { active: "aktiv", suspended: "ausgesetzt", revoked: "widerrufen", consumed: "verwendet" } as Record<string, string>,
  },
  en: {
    title: "Verify a certificate", valid: "VALID", invalid: "INVALID", checking: "Checking …",
    intro: "Scan a QR code, paste its text or drop the certificate file here. None of it is sent to any server.",
    scan: "Camera: scan a QR code", stopScan: "Stop camera", paste: "Check", pastePlaceholder: "Paste a QR text or link",
    file: "Choose a file (certificate or picture of a QR code)", drop: "Drop a file here",
    checked: "Checked", asOf: "As of", block: "block", source: "Source",
    statusChecked: "status checked", documentChecked: "document checked", documentNotChecked: "document not checked",
    documentMismatch: "document does not match", offline: "from the proof it carries, with no connection",
    online: "asked from the node and recomputed in the browser",
    type: "Type", municipality: "Municipality in charge", validity: "Validity", from: "from", fromIssuance: "from issuance", until: "until", noEnd: "no end",
    history: "History", conditions: "Conditions", zone: "Zone", document: "Document contents",
    anchorPinned: "trust anchor pinned", anchorFromFile: "trust anchor from the certificate (not pinned)",
    anchorFromNode: "trust anchor from the node", signatures: "signatures", of: "of",
    refreshFailed: "Node not reachable; the proof carried by the certificate applies.",
    unpinnedWarning: "Caution: this page pins no trust anchor of the consortium; the proof was checked against the anchor the certificate itself names. Its id must match the published one.",
    types: { dog_permit: "Dangerous-dog permit", street_music_permit: "Street-music permit",
      identity_attestation: "Identity attestation", landlord_confirmation: "Landlord confirmation",
      archive_batch: "Archive evidence" } as Record<string, string>,
    statuses: { active: "active", suspended: "suspended", revoked: "revoked", consumed: "consumed" } as Record<string, string>,
  },
};

/** A time in Europe/Berlin with its offset, e.g. "07.12.2026, 15:30:00 (UTC+01:00)". */
export function formatTime(timeMs: number, language: Language): string {
  const date = new Date(timeMs);
  const local = new Intl.DateTimeFormat(language === "de" ? "de-DE" : "en-GB", { timeZone: "Europe/Berlin",
    year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit" }).format(date);
  const offset = new Intl.DateTimeFormat("en-US", { timeZone: "Europe/Berlin", timeZoneName: "longOffset" })
    .formatToParts(date).find((part) => part.type === "timeZoneName")?.value.replace("GMT", "UTC") ?? "";
  return `${local} (${offset === "UTC" ? "UTC+00:00" : offset})`;
}
