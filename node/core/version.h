// The version of this govchain build, for `--version`, GET /v1/status and
// the govchain_build_info metric.
//
// version_text() is the project version of CMakeLists.txt with the
// checkout's `git describe` as build metadata when the build had one:
// "0.1.0" from a source tree without git, "0.1.0+gfc21ae4c2d" from an
// untagged commit, "0.1.0+gfc21ae4c2d.dirty" with uncommitted changes,
// "0.2.0" from the commit tagged v0.2.0. The text is written at build time
// (cmake/write_version.cmake) into the library govchain_version, which only
// the programs and the API link, so a new commit relinks little.
// Pure constants; thread-safe.
#pragma once

#include <cstdint>
#include <string_view>

namespace govchain {

// The format versions a node announces (p2p handshake, GET /v1/status) so
// that a rolling upgrade can see which nodes speak what. Each is raised only
// when its format changes incompatibly: the wire format for p2p messages and
// blocks, the storage format for the layout of the data folder's database
// (storage/format.h refuses a database of a newer format).
inline constexpr uint32_t wire_format_version = 1;
inline constexpr uint32_t storage_format_version = 1;

// "MAJOR.MINOR.PATCH" with optional "+metadata".
std::string_view version_text();
// MAJOR.MINOR.PATCH alone (the Debian package's version).
std::string_view project_version();
// The raw `git describe --tags --always --dirty` output; empty without git.
std::string_view git_describe();

}  // namespace govchain
