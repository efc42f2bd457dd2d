// Example for portal developers: issue a street-music permit with the govchain
// C++ client SDK, hand out the certificate file and its QR code, and verify
// it the way an officer in the street does — from the file (document and
// salt checked against the on-chain commitment) and from the QR text alone.
//
//   example_issue_and_verify NODE_URL OFFICE_KEY_FILE MUSICIAN_JSON_FILE OUT_CERTIFICATE_FILE [ZONE]
//
// The office key must hold public_order_office in a municipality (govchaind
// --dev: DATA/keys/public_order_office.json with GOVCHAIN_DEV=1). Encrypted
// keys read their passphrase from GOVCHAIN_KEY_PASSPHRASE.
//
// Copy this file; link your program with the CMake target govchain_client.
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <string>

#include "client/certificate.h"
#include "client/keys.h"
#include "client/qr.h"
#include "client/use_cases.h"

namespace {

int fail(const std::string& step, const govchain::Status& status) {
  std::cerr << "issue_and_verify: " << step << ": " << status.to_string() << "\n";
  return 1;
}

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

int main(int argc, char** argv) {
  using namespace govchain;
  if (argc < 5 || argc > 6) {
    std::cerr << "usage: " << argv[0] << " NODE_URL OFFICE_KEY_FILE MUSICIAN_JSON_FILE OUT_CERTIFICATE_FILE [ZONE]\n";
    return 2;
  }
  const std::string node_url = argv[1], key_path = argv[2], musician_path = argv[3], out_path = argv[4];
  const std::string zone = argc == 6 ? argv[5] : "markt";

  // 1. Connect and load the office key.
  auto node = client::Client::connect({.node_url = node_url});
  if (!node.ok()) return fail("node URL", node.status());
  client::KeyLoadOptions key_options;
  const char* dev = std::getenv("GOVCHAIN_DEV");
  key_options.allow_dev_keys = dev != nullptr && std::string(dev) == "1";
  auto office = client::load_key_file(key_path, key_options);
  if (!office.ok()) return fail("loading the office key", office.status());

  // 2. Describe the permit. The musician's data (the personal part) goes only
  //    into the certificate file; the chain gets zone, window, condition codes
  //    and the commitment.
  client::StreetMusicPermitRequest request;
  auto municipality = client::municipality_of_role(*node, office->key_pair.public_key, "public_order_office", {});
  if (!municipality.ok()) return fail("finding the office's municipality", municipality.status());
  request.municipality = *municipality;
  request.zone = zone;
  request.valid_from_ms = now_ms() - 60'000;
  request.valid_until_ms = now_ms() + 2 * 3600'000;
  request.conditions = {"no_amplifier", "max_30_minutes_per_spot"};
  auto musician = client::read_small_file(musician_path, 1024 * 1024);
  if (!musician.ok()) return fail("reading the musician file", musician.status());
  request.musician_json = *musician;

  // 3. Prepare the certificate (fresh id and salt), write the file, issue.
  auto status = node->status();
  if (!status.ok()) return fail("asking the node", status.status());
  auto certificate = client::prepare_street_music_permit(status->chain_id, request);
  if (!certificate.ok()) return fail("preparing the permit", certificate.status());
  auto receipt = client::issue_to_file(*node, office->key_pair, *certificate,
                                       client::street_music_issue_action(*node, *certificate, request), out_path, {});
  if (!receipt.ok()) return fail("issuing (the chain's answer)", receipt.status());
  std::cout << "issued permit " << certificate->id.hex() << " in block " << receipt->height << "; file " << out_path
            << "\n";

  // 4. The QR code for the musician's phone or a printout.
  const std::string qr_text = client::reference_to_text(client::reference_of(*certificate));
  Status written = client::write_qr_file(out_path + ".qr.svg", qr_text);
  if (!written.ok()) return fail("writing the QR code", written);
  std::cout << "QR code " << out_path << ".qr.svg carries " << qr_text << "\n";

  // 5. Verify as an officer: from the file, here and now, in the zone.
  auto from_file = client::read_certificate_file(out_path);
  if (!from_file.ok()) return fail("reading the file back", from_file.status());
  auto report = client::verify_certificate(*node, *from_file, {.at_time_ms = 0, .zone = zone});
  if (!report.ok()) return fail("verifying the file", report.status());
  std::cout << (report->valid ? "VALID" : "INVALID") << " (file): " << report->explanation << "\n";

  // 6. And from the QR text alone (status only; the document is not shown).
  auto reference = client::reference_from_text(qr_text);
  if (!reference.ok()) return fail("reading the QR text", reference.status());
  auto by_code = client::verify_reference(*node, *reference, {});
  if (!by_code.ok()) return fail("verifying the QR text", by_code.status());
  std::cout << (by_code->valid ? "VALID" : "INVALID") << " (QR): " << by_code->explanation << "\n";
  if (by_code->record)
    for (const auto& entry : by_code->record->history)
      std::cout << "  block " << entry.height << " " << client::format_time_utc(entry.time_ms) << " " << entry.status
                << " (" << entry.reason << ")\n";
  return report->valid && by_code->valid ? 0 : 1;
}
