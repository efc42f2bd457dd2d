// govchain keys new --out FILE [--dev]
// govchain keys show FILE
#include <iostream>

#include "commands.h"

namespace govchain::cli {

namespace {

using json = nlohmann::json;

int keys_new(Context& context, const std::string& out_path, bool dev) {
  crypto::KeyPair pair = crypto::generate_key_pair();
  std::string text;
  if (dev) {
    text = crypto::encode_dev_key_file(pair);
  } else {
    auto passphrase = context.new_passphrase();
    if (!passphrase.ok()) return context.fail(passphrase.status(), "choosing a passphrase");
    auto encrypted = crypto::encode_encrypted_key_file(pair, *passphrase);
    if (!encrypted.ok()) return context.fail(encrypted.status(), "encrypting the key");
    text = std::move(*encrypted);
  }
  Status written = client::write_new_key_file(out_path, text);
  if (!written.ok()) return context.fail(written, "writing the key file");
  if (dev) std::cerr << "govchain: warning: " << out_path << " is a plaintext dev key (development chains only)\n";
  json machine = {{"file", out_path}, {"public_key", pair.public_key.hex()}, {"dev_only", dev}, {"encrypted", !dev}};
  return context.emit(machine, "created " + std::string(dev ? "plaintext dev" : "encrypted") + " key file " + out_path +
                                   "\npublic key: " + pair.public_key.hex());
}

int keys_show(Context& context, const std::string& path) {
  auto info = client::inspect_key_file(path);
  if (!info.ok()) return context.fail(info.status(), "reading the key file");
  json machine = {{"file", path},
                  {"public_key", info->public_key.hex()},
                  {"dev_only", info->dev_only},
                  {"encrypted", info->encrypted}};
  if (!info->label.empty()) machine["label"] = info->label;
  std::string kind = info->dev_only    ? "plaintext dev key (development chains only)"
                     : info->encrypted ? "encrypted (scrypt + AES-256-GCM)"
                                       : "unknown";
  std::string human = "public key: " + info->public_key.hex() + "\nkind:       " + kind;
  if (!info->label.empty()) human += "\nlabel:      " + info->label;
  return context.emit(machine, human);
}

}  // namespace

void register_keys_commands(CLI::App& app, Context& context) {
  CLI::App* keys = app.add_subcommand("keys", "create and inspect key files");
  keys->require_subcommand(1);

  CLI::App* create = keys->add_subcommand("new", "create a new key file (refuses to overwrite)");
  auto out_path = std::make_shared<std::string>();
  auto dev = std::make_shared<bool>(false);
  create->add_option("--out", *out_path, "where to write the key file")->required();
  create->add_flag("--dev", *dev, "write a plaintext dev key instead of an encrypted one");
  create->callback(context.action([&context, out_path, dev] { return keys_new(context, *out_path, *dev); }));

  CLI::App* show = keys->add_subcommand("show", "show a key file's public key and kind");
  auto show_path = std::make_shared<std::string>();
  show->add_option("FILE", *show_path, "key file")->required();
  show->callback(context.action([&context, show_path] { return keys_show(context, *show_path); }));
}

}  // namespace govchain::cli
