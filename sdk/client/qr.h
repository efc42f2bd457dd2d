// QR codes of certificate references (libqrencode), as PNG or SVG.
//
// The code carries a verification link (verify_link.h,
// "https://<portal>/verify#<payload>") or, for files without a portal, the
// reference "govchain:1:<chain id>:<contract>:<id hex>:<commitment hex>", so
// an officer can check the status from the code alone (the verification page,
// or `govchain verify --qr TEXT`), while the full certificate file proves the
// document's contents.
//
// Pure functions over values the caller owns; thread-safe (libqrencode's
// encoder keeps no global state between calls).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/bytes.h"
#include "core/status.h"

namespace govchain::client {

// The module matrix: `width` x `width`, row-major, true = dark.
struct QrMatrix {
  int width = 0;
  std::vector<bool> dark;
  bool is_dark(int x, int y) const { return dark[static_cast<size_t>(y) * width + x]; }
};

// Encodes `text` in mixed segments (alphanumeric where the text allows it,
// 8-bit elsewhere) at error correction level M, or L when M does not fit.
Result<QrMatrix> qr_encode(std::string_view text);

struct QrImageOptions {
  int pixels_per_module = 8;
  int quiet_zone_modules = 4;  // the white border the standard asks for
};

// An 8-bit greyscale PNG image of the matrix.
Bytes qr_to_png(const QrMatrix& matrix, const QrImageOptions& options = {});
// An SVG document: one path of dark modules on a white background.
std::string qr_to_svg(const QrMatrix& matrix, const QrImageOptions& options = {});

// Writes the QR code of `text` to `path` as PNG or SVG, chosen by the file
// name's extension (".png" or ".svg"). Overwrites an existing file.
Status write_qr_file(const std::string& path, std::string_view text);

}  // namespace govchain::client
