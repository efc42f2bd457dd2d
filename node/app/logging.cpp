#include "app/logging.h"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/rotating_file_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <exception>
#include <filesystem>
#include <memory>

namespace govchain::app {

namespace {

// The length of the valid UTF-8 sequence at `text[index]`, or 0.
size_t utf8_sequence_size(std::string_view text, size_t index) {
  auto byte = [&](size_t at) { return static_cast<unsigned char>(text[at]); };
  unsigned char lead = byte(index);
  size_t size = lead < 0x80 ? 1 : (lead >> 5) == 0x6 ? 2 : (lead >> 4) == 0xE ? 3 : (lead >> 3) == 0x1E ? 4 : 0;
  if (size == 0 || index + size > text.size()) return 0;
  for (size_t i = 1; i < size; ++i)
    if ((byte(index + i) & 0xC0) != 0x80) return 0;
  // Overlong forms, surrogates and values beyond U+10FFFF are invalid.
  if (size == 2 && lead < 0xC2) return 0;
  if (size == 3 && ((lead == 0xE0 && byte(index + 1) < 0xA0) || (lead == 0xED && byte(index + 1) >= 0xA0))) return 0;
  if (size == 4 &&
      ((lead == 0xF0 && byte(index + 1) < 0x90) || lead > 0xF4 || (lead == 0xF4 && byte(index + 1) >= 0x90)))
    return 0;
  return size;
}

// %* in the JSON pattern: the message, escaped for a JSON string.
class JsonMessageFlag final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& message, const std::tm&, spdlog::memory_buf_t& destination) override {
    std::string escaped = json_string_contents(std::string_view(message.payload.data(), message.payload.size()));
    destination.append(escaped.data(), escaped.data() + escaped.size());
  }
  std::unique_ptr<custom_flag_formatter> clone() const override { return std::make_unique<JsonMessageFlag>(); }
};

std::unique_ptr<spdlog::formatter> make_formatter(const std::string& format) {
  if (format != "json") return std::make_unique<spdlog::pattern_formatter>();  // spdlog's "%+"
  auto formatter = std::make_unique<spdlog::pattern_formatter>(spdlog::pattern_time_type::utc);
  formatter->add_flag<JsonMessageFlag>('*').set_pattern(
      R"({"time":"%Y-%m-%dT%H:%M:%S.%eZ","level":"%l","thread":%t,"message":"%*"})");
  return formatter;
}

}  // namespace

std::string json_string_contents(std::string_view text) {
  std::string escaped;
  escaped.reserve(text.size() + 8);
  for (size_t index = 0; index < text.size();) {
    unsigned char c = static_cast<unsigned char>(text[index]);
    size_t size = utf8_sequence_size(text, index);
    if (size == 0) {
      escaped += "\\ufffd";
      ++index;
      continue;
    }
    if (c == '"' || c == '\\') {
      escaped += '\\';
      escaped += static_cast<char>(c);
    } else if (c == '\n') {
      escaped += "\\n";
    } else if (c == '\t') {
      escaped += "\\t";
    } else if (c < 0x20 || c == 0x7F) {
      char code[8];
      std::snprintf(code, sizeof(code), "\\u%04x", c);
      escaped += code;
    } else {
      escaped.append(text.substr(index, size));
    }
    index += size;
  }
  return escaped;
}

Status configure_logging(const LogSettings& settings) {
  try {
    spdlog::sink_ptr sink;
    if (!settings.file.empty()) {
      std::error_code ignored;
      if (settings.file.has_parent_path()) std::filesystem::create_directories(settings.file.parent_path(), ignored);
      sink = std::make_shared<spdlog::sinks::rotating_file_sink_mt>(
          settings.file.string(), settings.file_size_bytes_max, settings.files_max, false);
    } else if (settings.format == "json") {
      sink = std::make_shared<spdlog::sinks::stdout_sink_mt>();
    } else {
      // Colours only on a terminal; the journal gets plain lines.
      sink = std::make_shared<spdlog::sinks::stdout_color_sink_mt>();
    }
    sink->set_formatter(make_formatter(settings.format));
    auto logger = std::make_shared<spdlog::logger>("", std::move(sink));
    logger->set_level(spdlog::level::from_str(settings.level));
    // Every line reaches the file at once, as it does on standard output:
    // the lines before a crash are the ones that matter.
    logger->flush_on(spdlog::level::trace);
    spdlog::set_default_logger(std::move(logger));
    return Status();
  } catch (const std::exception& failure) {
    return error(Code::io_error, "cannot set up the log" +
                                     (settings.file.empty() ? std::string() : " file " + settings.file.string()) +
                                     ": " + failure.what());
  }
}

}  // namespace govchain::app
