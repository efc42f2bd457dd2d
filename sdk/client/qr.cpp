#include "client/qr.h"

#include <qrencode.h>
#include <zlib.h>

#include <fstream>
#include <memory>

namespace govchain::client {

namespace {

struct QrCodeDeleter {
  void operator()(QRcode* code) const { QRcode_free(code); }
};

void put_u32(Bytes& out, uint32_t value) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<uint8_t>(value >> shift));
}

// One PNG chunk: length, type, data, CRC-32 of type and data.
void put_chunk(Bytes& png, const char* type, const Bytes& data) {
  put_u32(png, static_cast<uint32_t>(data.size()));
  Bytes typed(type, type + 4);
  typed.insert(typed.end(), data.begin(), data.end());
  png.insert(png.end(), typed.begin(), typed.end());
  put_u32(png, static_cast<uint32_t>(crc32(0, typed.data(), static_cast<uInt>(typed.size()))));
}

// The raw scanlines: a filter byte 0 and one grey byte per pixel per row.
Bytes scanlines(const QrMatrix& matrix, const QrImageOptions& options, int size_pixels) {
  Bytes raw;
  raw.reserve(static_cast<size_t>(size_pixels) * (size_pixels + 1));
  const int scale = options.pixels_per_module, border = options.quiet_zone_modules;
  for (int y = 0; y < size_pixels; ++y) {
    raw.push_back(0);
    for (int x = 0; x < size_pixels; ++x) {
      int module_x = x / scale - border, module_y = y / scale - border;
      bool inside = module_x >= 0 && module_y >= 0 && module_x < matrix.width && module_y < matrix.width;
      raw.push_back(inside && matrix.is_dark(module_x, module_y) ? 0 : 255);
    }
  }
  return raw;
}

}  // namespace

Result<QrMatrix> qr_encode(std::string_view text) {
  if (text.find('\0') != std::string_view::npos) return error(Code::invalid_argument, "a QR text has no NUL bytes");
  std::string owned(text);
  // Mixed segments: the upper-case base32 payload of a verification link
  // goes into the denser alphanumeric mode, the rest into 8-bit mode. Level
  // M first; a link that carries a large bundle falls back to level L.
  std::unique_ptr<QRcode, QrCodeDeleter> code;
  for (QRecLevel level : {QR_ECLEVEL_M, QR_ECLEVEL_L}) {
    code.reset(QRcode_encodeString(owned.c_str(), 0, level, QR_MODE_8, 1));
    if (code) break;
  }
  if (!code)
    return error(Code::invalid_argument,
                 "the text does not fit into a QR code (at most about 4,000 "
                 "characters of a verification link; leave the bundle out)");
  QrMatrix matrix;
  matrix.width = code->width;
  matrix.dark.resize(static_cast<size_t>(code->width) * code->width);
  for (size_t i = 0; i < matrix.dark.size(); ++i) matrix.dark[i] = (code->data[i] & 1) != 0;
  return matrix;
}

Bytes qr_to_png(const QrMatrix& matrix, const QrImageOptions& options) {
  const int size_pixels = (matrix.width + 2 * options.quiet_zone_modules) * options.pixels_per_module;
  Bytes raw = scanlines(matrix, options, size_pixels);
  uLongf compressed_size = compressBound(static_cast<uLong>(raw.size()));
  Bytes compressed(compressed_size);
  compress2(compressed.data(), &compressed_size, raw.data(), static_cast<uLong>(raw.size()), Z_BEST_COMPRESSION);
  compressed.resize(compressed_size);
  Bytes png = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  Bytes header;
  put_u32(header, static_cast<uint32_t>(size_pixels));
  put_u32(header, static_cast<uint32_t>(size_pixels));
  header.insert(header.end(), {8, 0, 0, 0, 0});  // 8-bit greyscale, deflate, no interlace
  put_chunk(png, "IHDR", header);
  put_chunk(png, "IDAT", compressed);
  put_chunk(png, "IEND", {});
  return png;
}

std::string qr_to_svg(const QrMatrix& matrix, const QrImageOptions& options) {
  const int border = options.quiet_zone_modules;
  const int size_modules = matrix.width + 2 * border;
  const int size_pixels = size_modules * options.pixels_per_module;
  std::string path;
  for (int y = 0; y < matrix.width; ++y)
    for (int x = 0; x < matrix.width; ++x)
      if (matrix.is_dark(x, y))
        path += "M" + std::to_string(x + border) + "," + std::to_string(y + border) + "h1v1h-1z";
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
         "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" +
         std::to_string(size_pixels) + "\" height=\"" + std::to_string(size_pixels) + "\" viewBox=\"0 0 " +
         std::to_string(size_modules) + " " + std::to_string(size_modules) +
         "\" shape-rendering=\"crispEdges\">\n<rect width=\"100%\" height=\"100%\" fill=\"#fff\"/>\n<path "
         "fill=\"#000\" d=\"" +
         path + "\"/>\n</svg>\n";
}

Status write_qr_file(const std::string& path, std::string_view text) {
  GOVCHAIN_ASSIGN_OR_RETURN(QrMatrix matrix, qr_encode(text));
  auto ends_with = [&](std::string_view suffix) {
    return path.size() >= suffix.size() && path.compare(path.size() - suffix.size(), suffix.size(), suffix) == 0;
  };
  std::string content;
  if (ends_with(".png")) {
    Bytes png = qr_to_png(matrix);
    content.assign(png.begin(), png.end());
  } else if (ends_with(".svg")) {
    content = qr_to_svg(matrix);
  } else {
    return error(Code::invalid_argument, "QR file name must end in .png or .svg: " + path);
  }
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  file << content;
  file.flush();
  if (!file) return error(Code::io_error, "cannot write " + path);
  return Status();
}

}  // namespace govchain::client
