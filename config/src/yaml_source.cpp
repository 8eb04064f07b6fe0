// The only file that includes yaml-cpp. Scalars are taken as text (Node::Scalar) and parsed
// by the key's rule, because yaml-cpp's as<T>() throws "bad conversion" without naming the
// key (docs/library-notes.md).
#include <cerrno>
#include <fstream>
#include <set>
#include <sstream>
#include <system_error>

#include <yaml-cpp/yaml.h>

#include "sources.hpp"

namespace mercato::config::detail {
namespace {

namespace fs = std::filesystem;

config_error file_error(const fs::path& file, const std::string& what) {
  return {file.string(), "config file " + in_quotes(file.string()) + " " + what};
}

mercato::result<std::string, config_error> read_text(const fs::path& file) {
  std::error_code ec;
  const auto st = fs::status(file, ec);
  if (st.type() == fs::file_type::not_found) return mercato::fail(file_error(file, "does not exist"));
  if (ec) return mercato::fail(file_error(file, "cannot be read: " + ec.message()));
  if (fs::is_directory(st)) return mercato::fail(file_error(file, "is a directory, not a file"));
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    return mercato::fail(file_error(file, "cannot be read: " + std::generic_category().message(errno)));
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return mercato::fail(file_error(file, "cannot be read: I/O error"));
  return text.str();
}

std::string line_of(const YAML::Node& node) {
  const auto mark = node.Mark();
  return mark.is_null() ? std::string() : " line " + std::to_string(mark.line + 1);
}

class yaml_walker {
 public:
  explicit yaml_walker(const fs::path& file) : file_(file.string()) {}

  /// Collects the settings under `map` (whose own dotted path is `prefix`, "" at top).
  mercato::status<config_error> walk(const YAML::Node& map, const std::string& prefix) {
    std::set<std::string> seen;
    // By value: yaml-cpp's iterator-> returns a temporary proxy, so a reference to
    // it->first would dangle. Nodes are cheap shared handles.
    for (const auto& entry : map) {
      const YAML::Node name = entry.first;
      if (!name.IsScalar()) {
        return mercato::fail(
            error(prefix.empty() ? "top level" : prefix, name, "has a key that is not plain text"));
      }
      const std::string path = prefix.empty() ? name.Scalar() : prefix + "." + name.Scalar();
      if (!seen.insert(name.Scalar()).second) return mercato::fail(error(path, name, "appears twice"));
      auto visited = visit(path, name, entry.second);
      if (!visited) return visited;
    }
    return mercato::ok;
  }

  settings take() { return std::move(found_); }

 private:
  mercato::status<config_error> visit(const std::string& path, const YAML::Node& name,
                                      const YAML::Node& value) {
    if (const key_descriptor* key = find_key(path)) {
      if (value.IsMap() || value.IsSequence()) {
        return mercato::fail(error(path, name,
                                   "needs a single value, not a " +
                                       std::string(value.IsMap() ? "mapping" : "list") +
                                       "; accepted: " + key->accepted));
      }
      found_.push_back(
          {key, value.IsNull() ? std::string() : value.Scalar(), path, "in " + file_ + line_of(name), path});
      return mercato::ok;
    }
    if (is_section(path)) {
      if (value.IsNull()) return mercato::ok;
      if (!value.IsMap()) {
        return mercato::fail(error(path, name, "is a section: it needs a mapping of settings"));
      }
      return walk(value, path);
    }
    return mercato::fail(error(path, name, unknown_setting(path)));
  }

  config_error error(const std::string& path, const YAML::Node& at, const std::string& what) const {
    return {path, path + " in " + file_ + line_of(at) + ": " + what};
  }

  std::string file_;
  settings found_;
};

}  // namespace

mercato::result<settings, config_error> read_yaml_file(const fs::path& file) {
  auto text = read_text(file);
  if (!text) return mercato::fail(std::move(text.error()));
  std::vector<YAML::Node> documents;
  try {
    documents = YAML::LoadAll(*text);
  } catch (const YAML::Exception& e) {
    const std::string where = e.mark.is_null() ? std::string()
                                               : "line " + std::to_string(e.mark.line + 1) + ", column " +
                                                     std::to_string(e.mark.column + 1) + ": ";
    return mercato::fail(file_error(file, "is not valid YAML: " + where + e.msg));
  }
  if (documents.size() > 1) return mercato::fail(file_error(file, "holds more than one YAML document"));
  if (documents.empty() || documents.front().IsNull()) return settings{};  // empty file
  if (!documents.front().IsMap()) {
    return mercato::fail(file_error(file, "must hold a mapping of settings (key: value) at the top level"));
  }
  yaml_walker walker(file);
  auto walked = walker.walk(documents.front(), "");
  if (!walked) return mercato::fail(std::move(walked.error()));
  return walker.take();
}

}  // namespace mercato::config::detail
