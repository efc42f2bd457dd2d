// Node settings: every setting of govchaind in one table, read from one
// configuration file (JSON), from the environment and from the command
// line, each value checked where it enters.
//
// Each setting has one name, used in all three places:
//   file          "rpc_connections_max": 256
//   environment   GOVCHAIND_RPC_CONNECTIONS_MAX=256
//   command line  --rpc-connections-max 256
// A later place overrides an earlier one: default < file < environment <
// command line. The defaults are those of a default-constructed
// NodeSettings, that is of NodeConfig and the libraries it holds, so that
// the table never repeats a default. An unknown key in the file, an unknown
// GOVCHAIND_* variable, a value of the wrong type or outside its range is
// refused with a message naming the setting, the place and, for an unknown
// name, the nearest valid one. LoadedSettings remembers where each value
// came from, for `govchaind --print-config`.
//
// Adding a setting is one entry in node_settings.cpp (the kind, range, help
// and the NodeSettings member it sets); docs/operations.md lists them all
// and a test compares that list with this table.
//
// Paths from the file are relative to the file's folder; paths from the
// environment and the command line to the working directory. The validator
// key's passphrase is never a setting: find_key_passphrase() reads it from
// a file or a systemd credential (docs/decisions/node-configuration.md).
//
// Pure functions on values except find_key_passphrase(), which reads files.
// Thread-safe.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "app/node.h"
#include "core/status.h"

namespace govchain::app {

struct LogSettings {
  std::string level = "info";   // trace, debug, info, warn, error, critical, off
  std::string format = "text";  // text, or json: one JSON object per line
  // Empty: standard output (the journal under systemd). Otherwise a file
  // rotated at file_size_bytes_max, keeping files_max old files beside it.
  std::filesystem::path file;
  uint64_t file_size_bytes_max = 16 * 1024 * 1024;
  uint64_t files_max = 5;
};

// Everything govchaind can be configured with.
struct NodeSettings {
  NodeConfig node;
  LogSettings log;
  // A file holding the validator key's passphrase (one line); see
  // find_key_passphrase().
  std::filesystem::path validator_key_passphrase_file;
};

enum class SettingSource { default_value, file, environment, command_line };

struct SettingOrigin {
  SettingSource source = SettingSource::default_value;
  std::string where;  // the file's path, the variable's name or the flag
};

// The raw inputs, gathered by the caller.
struct SettingsInput {
  std::filesystem::path config_path;  // empty: no configuration file
  std::string config_text;            // the file's contents
  // The process environment as NAME=VALUE pairs; only GOVCHAIND_* names are
  // read (GOVCHAIND_CONFIG names the file and is the caller's).
  std::vector<std::pair<std::string, std::string>> environment;
  // Setting name and text, from the command line, with the flag as given.
  struct Override {
    std::string setting;
    std::string text;
    std::string flag;
  };
  std::vector<Override> command_line;
  // Base of relative paths from the environment and the command line.
  std::filesystem::path working_dir;
};

struct LoadedSettings {
  NodeSettings settings;
  // Where each setting's value came from; every setting has an entry.
  std::map<std::string, SettingOrigin, std::less<>> origins;
};

// Reads, checks and merges the inputs over `defaults`. On success the
// genesis and validator key paths are filled in when unset (inside
// data_dir), so that what --print-config shows is what the node opens.
Result<LoadedSettings> load_node_settings(const SettingsInput& input, NodeSettings defaults = {});

// The settings in table order: name, kind, help, and the legacy flags that
// also set it (older command lines keep working).
struct SettingDescription {
  std::string name;
  // "path", "address", "number", "text", "choice", "flag", "peers", "node keys", "text list"
  std::string kind;
  std::string help;
  std::string range;  // "1..1000000", "text|json", or empty
  std::vector<std::string> legacy_flags;
};
std::vector<SettingDescription> describe_node_settings();

std::string environment_name(std::string_view setting);  // "GOVCHAIND_RPC_ADDR"
std::string flag_name(std::string_view setting);         // "--rpc-addr"
inline constexpr const char* config_environment_variable = "GOVCHAIND_CONFIG";

// The effective settings with their sources: a table for people, or JSON
// {"settings": {NAME: {"value": V, "source": "..."}}} where the values alone
// form a valid configuration file.
std::string settings_table(const LoadedSettings& loaded);
std::string settings_json(const LoadedSettings& loaded);

// The validator key's passphrase and where it came from, in this order:
//  1. validator_key_passphrase_file, when set (a regular file that others
//     than owner and group cannot read);
//  2. the systemd credential `govchain-key-passphrase` in
//     $CREDENTIALS_DIRECTORY (LoadCredential= in the unit);
//  3. GOVCHAIN_KEY_PASSPHRASE, accepted for development; the caller warns,
//     because /proc/PID/environ shows it.
// One trailing newline is dropped. Without any of them the passphrase is
// empty (enough for a plaintext dev key).
inline constexpr const char* passphrase_credential_name = "govchain-key-passphrase";
struct FoundPassphrase {
  std::string passphrase;
  std::string source;  // "file /etc/...", "systemd credential ...", "environment ...", "none"
  bool from_environment = false;
};
Result<FoundPassphrase> find_key_passphrase(const NodeSettings& settings,
                                            const std::vector<std::pair<std::string, std::string>>& environment);

// The name among `candidates` closest to `name` by edit distance, when it
// is close enough to be a likely typo; empty otherwise.
std::string nearest_name(std::string_view name, const std::vector<std::string>& candidates);

}  // namespace govchain::app
