#include "assets/plugin_assets.h"

#include "sys/fs.h"

namespace companion::assets {

std::optional<std::string_view> embedded_file(std::string_view path) {
  for (const auto& file : embedded_files()) {
    if (file.path == path) return file.bytes;
  }
  return std::nullopt;
}

namespace {

Result<std::string> read_override(sys::Env& env, const std::string& plugin_root,
                                  std::string_view path) {
  std::string full = sys::join_path(plugin_root, std::string(path));
  // One byte more than the limit tells a file at the limit from a larger one.
  auto text = env.read_tail(full, kMaxPluginFileBytes + 1);
  if (!text) {
    return make_error("{}={} has no readable {} ({}); point it at a plugin directory or unset it",
                      kPluginRootVariable, plugin_root, path, text.error().message);
  }
  if (text->size() > kMaxPluginFileBytes) {
    return make_error("{} is larger than {} bytes; is {} set to the right directory?", full,
                      kMaxPluginFileBytes, kPluginRootVariable);
  }
  return text;
}

}  // namespace

Result<std::string> plugin_file(sys::Env& env, const std::optional<std::string>& plugin_root,
                                std::string_view path) {
  if (plugin_root) return read_override(env, *plugin_root, path);
  auto bytes = embedded_file(path);
  if (!bytes) return make_error("internal error: the plugin file {} is not compiled in", path);
  return std::string(*bytes);
}

Result<nlohmann::json> plugin_json(sys::Env& env, const std::optional<std::string>& plugin_root,
                                   std::string_view path) {
  auto text = plugin_file(env, plugin_root, path);
  if (!text) return text.error();
  auto parsed = nlohmann::json::parse(*text, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) {
    return make_error("the plugin file {}{} is not valid JSON", path,
                      plugin_root ? fmt::format(" (from {}={})", kPluginRootVariable, *plugin_root)
                                  : std::string());
  }
  return parsed;
}

}  // namespace companion::assets
