// capnpc-mercato: the Cap'n Proto compiler plugin that turns Mercato's schemas into the C++
// value types the domain works on and their codec, so every event, command and state has
// one definition (its schema). Run by the build as
//   capnp compile -o <this>:<outdir> --src-prefix=<schemas> -I<schemas> common.capnp ...
// For each requested file NAME.capnp it writes, into <outdir>:
//   NAME.types.hpp  plain C++ value types (no Cap'n Proto): structs, enums, variants
//   NAME.codec.hpp  write()/read() between those types and the capnp builders/readers
//   NAME.codec.cpp  their definitions
// How schema constructs map to C++ is written in codec/README.md; the annotations it reads
// are declared in schemas/mercato.capnp. Anything it cannot map is an error naming the
// schema element, never silently skipped.
#include <capnp/schema-loader.h>
#include <capnp/schema.capnp.h>
#include <capnp/serialize.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

using capnp::schema::Type;

constexpr std::uint64_t cxx_namespace_annotation = 0xb9c6f99ebf805f2cull;  // $Cxx.namespace

struct generator_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

std::string str(capnp::Text::Reader t) {
  return std::string(t.cStr(), t.size());
}

/// "cartItemAdded" / "CartItemAdded" → "cart_item_added".
std::string snake(const std::string& name) {
  std::string out;
  for (std::size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    if (c >= 'A' && c <= 'Z') {
      if (i > 0) out.push_back('_');
      out.push_back(static_cast<char>(c - 'A' + 'a'));
    } else {
      out.push_back(c);
    }
  }
  return out;
}

/// "cartItemAdded" → "CartItemAdded": the capnp C++ accessor suffix (getCartItemAdded).
std::string capital(const std::string& name) {
  std::string out = name;
  if (!out.empty() && out[0] >= 'a' && out[0] <= 'z') out[0] = static_cast<char>(out[0] - 'a' + 'A');
  return out;
}

const std::set<std::string>& cxx_keywords() {
  static const std::set<std::string> k{
      "alignas",  "alignof",  "and",    "asm",      "auto",      "bool",      "break",    "case",     "catch",
      "char",     "class",    "const",  "continue", "default",   "delete",    "do",       "double",   "else",
      "enum",     "explicit", "export", "extern",   "false",     "float",     "for",      "friend",   "goto",
      "if",       "inline",   "int",    "long",     "mutable",   "namespace", "new",      "noexcept", "not",
      "nullptr",  "operator", "or",     "private",  "protected", "public",    "register", "return",   "short",
      "signed",   "sizeof",   "static", "struct",   "switch",    "template",  "this",     "throw",    "true",
      "try",      "typedef",  "typeid", "typename", "union",     "unsigned",  "using",    "virtual",  "void",
      "volatile", "while",    "xor"};
  return k;
}

std::string safe(std::string name) {
  if (cxx_keywords().count(name)) name.push_back('_');
  return name;
}

std::string hex(std::uint64_t v) {
  std::ostringstream o;
  o << "0x" << std::hex << v << "ull";
  return o.str();
}

/// The ids of the annotations declared in schemas/mercato.capnp.
struct annotation_ids {
  std::uint64_t id = 0, cxx_name = 0, cxx_type = 0, unknown_as = 0, entity = 0, personal = 0;
};

template <class Annotations>
std::optional<std::string> text_annotation(Annotations list, std::uint64_t id) {
  for (auto a : list)
    if (a.getId() == id) return str(a.getValue().getText());
  return std::nullopt;
}

template <class Annotations>
bool has_annotation(Annotations list, std::uint64_t id) {
  for (auto a : list)
    if (a.getId() == id) return true;
  return false;
}

class generator {
 public:
  generator(capnp::SchemaLoader& loader, annotation_ids ids) : loader_(loader), ids_(ids) {}

  void generate(capnp::schema::CodeGeneratorRequest::RequestedFile::Reader file) {
    file_name_ = str(file.getFilename());
    base_ = file_name_.substr(file_name_.rfind('/') + 1);
    base_ = base_.substr(0, base_.rfind(".capnp"));
    auto file_schema = loader_.get(file.getId());
    schema_ns_ =
        text_annotation(file_schema.getProto().getAnnotations(), cxx_namespace_annotation).value_or("");
    if (schema_ns_.empty()) throw generator_error(file_name_ + ": needs $Cxx.namespace");
    for (auto import : file.getImports()) {
      auto name = str(import.getName());
      if (name.starts_with("/capnp/") || name.ends_with("mercato.capnp")) continue;
      auto b = name.substr(name.rfind('/') + 1);
      imports_.push_back(b.substr(0, b.rfind(".capnp")));
    }
    collect(file_schema);
    write_file(base_ + ".types.hpp", types_header());
    write_file(base_ + ".codec.hpp", codec_header());
    write_file(base_ + ".codec.cpp", codec_source());
  }

 private:
  // ---- naming -------------------------------------------------------------------------

  std::string schema_name(capnp::Schema s) const {
    auto proto = s.getProto();
    return str(proto.getDisplayName()).substr(proto.getDisplayNamePrefixLength());
  }
  /// The capnp C++ type of a top-level struct or enum: ::mercato::schema::CartItemAdded.
  std::string capnp_type(capnp::Schema s) const {
    auto ns = text_annotation(loader_.get(file_of(s)).getProto().getAnnotations(), cxx_namespace_annotation);
    return "::" + ns.value_or(schema_ns_) + "::" + schema_name(s);
  }
  std::uint64_t file_of(capnp::Schema s) const {
    auto id = s.getProto().getScopeId();
    while (true) {
      auto p = loader_.get(id).getProto();
      if (p.isFile()) return id;
      id = p.getScopeId();
    }
  }
  /// The C++ name (unqualified, in mercato::domain) of a struct or enum.
  std::string cxx_name(capnp::Schema s) const {
    auto proto = s.getProto();
    if (auto n = text_annotation(proto.getAnnotations(), ids_.cxx_name)) return *n;
    if (auto t = text_annotation(proto.getAnnotations(), ids_.cxx_type)) return *t;
    return snake(schema_name(s));
  }
  std::string cxx_qualified(capnp::Schema s) const { return "::mercato::domain::" + cxx_name(s); }
  std::string field_name(capnp::StructSchema::Field f) const {
    if (auto n = text_annotation(f.getProto().getAnnotations(), ids_.cxx_name)) return *n;
    return safe(snake(str(f.getProto().getName())));
  }
  std::string where(capnp::StructSchema s, capnp::StructSchema::Field f) const {
    return file_name_ + ": " + schema_name(s) + "." + str(f.getProto().getName());
  }

  // ---- shapes -------------------------------------------------------------------------

  /// A struct whose every field is a member of its unnamed union: a catalogue (Event, Command)
  /// or a plain choice, represented as std::variant.
  static bool is_union_only(capnp::StructSchema s) {
    return s.getProto().getStruct().getDiscriminantCount() > 0 && s.getNonUnionFields().size() == 0;
  }
  /// A group that is a union {unchanged/none :Void, value :T}: std::optional<T>.
  static bool is_optional_group(capnp::StructSchema g) {
    auto u = g.getUnionFields();
    return g.getNonUnionFields().size() == 0 && u.size() == 2 && u[0].getType().isVoid() &&
           !u[1].getType().isVoid();
  }
  /// Members of a union that are values (not the leading Void "none"), in code order.
  std::vector<capnp::StructSchema::Field> members(capnp::StructSchema s) const {
    std::vector<capnp::StructSchema::Field> out;
    for (auto f : s.getUnionFields()) out.push_back(f);
    std::sort(out.begin(), out.end(),
              [](auto a, auto b) { return a.getProto().getCodeOrder() < b.getProto().getCodeOrder(); });
    std::vector<capnp::StructSchema::Field> values;
    for (std::size_t i = 0; i < out.size(); ++i) {
      if (out[i].getType().isVoid()) {
        if (i != 0)
          throw generator_error(where(s, out[i]) + ": a Void union member is only allowed first (none)");
        continue;
      }
      if (!out[i].getType().isStruct() || out[i].getProto().isGroup())
        throw generator_error(where(s, out[i]) + ": union members must be structs");
      values.push_back(out[i]);
    }
    return values;
  }
  std::vector<capnp::StructSchema::Field> fields_in_code_order(capnp::StructSchema s) const {
    std::vector<capnp::StructSchema::Field> out;
    for (auto f : s.getFields()) out.push_back(f);
    std::sort(out.begin(), out.end(),
              [](auto a, auto b) { return a.getProto().getCodeOrder() < b.getProto().getCodeOrder(); });
    return out;
  }

  // ---- collecting ---------------------------------------------------------------------

  void collect(capnp::Schema file) {
    for (auto nested : file.getProto().getNestedNodes()) {
      auto s = loader_.get(nested.getId());
      auto p = s.getProto();
      if (p.isStruct()) {
        if (p.getStruct().getIsGroup()) continue;
        if (is_union_only(s.asStruct()))
          unions_.push_back(s.asStruct());
        else
          structs_.push_back(s.asStruct());
      } else if (p.isEnum()) {
        enums_.push_back(s.asEnum());
      }
    }
    order_structs();
  }

  /// Structs held by value by other structs of this file come first.
  void order_structs() {
    std::vector<capnp::StructSchema> done;
    std::set<std::uint64_t> placed;
    std::function<void(capnp::StructSchema, int)> place = [&](capnp::StructSchema s, int depth) {
      if (placed.count(s.getProto().getId())) return;
      if (depth > 64) throw generator_error(file_name_ + ": struct cycle at " + schema_name(s));
      for (auto dep : value_dependencies(s)) place(dep, depth + 1);
      placed.insert(s.getProto().getId());
      done.push_back(s);
    };
    for (auto s : structs_) place(s, 0);
    structs_ = done;
  }
  /// Structs of this file (not custom-typed) that `s` holds by value (directly or in groups).
  std::vector<capnp::StructSchema> value_dependencies(capnp::StructSchema s) {
    std::vector<capnp::StructSchema> out;
    for (auto f : s.getFields()) {
      auto t = f.getType();
      while (t.isList()) t = t.asList().getElementType();
      if (!t.isStruct()) continue;
      auto d = t.asStruct();
      if (f.getProto().isGroup()) {
        for (auto g : value_dependencies(d)) out.push_back(g);
        continue;
      }
      if (file_of(d) != file_of(s)) continue;
      if (is_union_only(d)) continue;  // declared as a variant after the structs
      out.push_back(d);
    }
    return out;
  }

  // ---- C++ types ----------------------------------------------------------------------

  std::string value_type(capnp::Type t, capnp::StructSchema owner, capnp::StructSchema::Field f) const {
    switch (t.which()) {
      case Type::BOOL:
        return "bool";
      case Type::INT8:
        return "std::int8_t";
      case Type::INT16:
        return "std::int16_t";
      case Type::INT32:
        return "std::int32_t";
      case Type::INT64:
        return "std::int64_t";
      case Type::UINT8:
        return "std::uint8_t";
      case Type::UINT16:
        return "std::uint16_t";
      case Type::UINT32:
        return "std::uint32_t";
      case Type::UINT64:
        return "std::uint64_t";
      case Type::FLOAT32:
        return "float";
      case Type::FLOAT64:
        return "double";
      case Type::TEXT:
        return "std::string";
      case Type::DATA:
        return "std::string";
      case Type::LIST:
        return "std::vector<" + value_type(t.asList().getElementType(), owner, f) + ">";
      case Type::ENUM:
        return cxx_qualified(t.asEnum());
      case Type::STRUCT:
        return cxx_qualified(t.asStruct());
      default:
        throw generator_error(where(owner, f) + ": type not supported by the generator");
    }
  }

  std::string field_type(capnp::StructSchema s, capnp::StructSchema::Field f) const {
    auto proto = f.getProto();
    if (proto.isGroup()) {
      auto g = f.getType().asStruct();
      if (is_optional_group(g)) {
        auto u = members_any(g);
        return "std::optional<" + value_type(u[1].getType(), g, u[1]) + ">";
      }
      if (g.getNonUnionFields().size() == 0 && g.getUnionFields().size() > 0) return variant_of(members(g));
      throw generator_error(where(s, f) + ": only union groups are supported");
    }
    if (auto kind = text_annotation(proto.getAnnotations(), ids_.id)) {
      if (!f.getType().isText()) throw generator_error(where(s, f) + ": $id needs a Text field");
      return "::mercato::domain::" + *kind + "_id";
    }
    if (f.getType().isVoid()) throw generator_error(where(s, f) + ": Void fields are only allowed in unions");
    return value_type(f.getType(), s, f);
  }
  std::vector<capnp::StructSchema::Field> members_any(capnp::StructSchema g) const {
    std::vector<capnp::StructSchema::Field> out;
    for (auto f : g.getUnionFields()) out.push_back(f);
    std::sort(out.begin(), out.end(),
              [](auto a, auto b) { return a.getProto().getCodeOrder() < b.getProto().getCodeOrder(); });
    return out;
  }
  std::string variant_of(const std::vector<capnp::StructSchema::Field>& ms) const {
    std::string out = "std::variant<";
    for (std::size_t i = 0; i < ms.size(); ++i)
      out += (i ? ",\n    " : "") + cxx_qualified(ms[i].getType().asStruct());
    return out + ">";
  }
  std::string default_of(capnp::StructSchema::Field f) const {
    if (f.getProto().isGroup()) return "";
    if (text_annotation(f.getProto().getAnnotations(), ids_.id)) return "";
    auto t = f.getType();
    if (t.isBool()) return " = false";
    if (t.isInt8() || t.isInt16() || t.isInt32() || t.isInt64() || t.isUInt8() || t.isUInt16() ||
        t.isUInt32() || t.isUInt64() || t.isFloat32() || t.isFloat64())
      return " = 0";
    if (t.isEnum()) return " = " + cxx_qualified(t.asEnum()) + "{}";
    return "";
  }

  /// Entity kinds of a catalogue's members, in first-seen order, each with its members.
  std::vector<std::pair<std::string, std::vector<capnp::StructSchema::Field>>> entity_groups(
      capnp::StructSchema u) const {
    std::vector<std::pair<std::string, std::vector<capnp::StructSchema::Field>>> out;
    for (auto m : members(u)) {
      auto kind = text_annotation(m.getProto().getAnnotations(), ids_.entity);
      if (!kind) continue;
      auto it = std::find_if(out.begin(), out.end(), [&](auto& p) { return p.first == *kind; });
      if (it == out.end()) {
        out.push_back({*kind, {}});
        it = out.end() - 1;
      }
      it->second.push_back(m);
    }
    return out;
  }
  /// "any_event" → "event": the suffix of the per-entity variants (cart_event).
  std::string catalogue_suffix(capnp::StructSchema u) const {
    auto n = cxx_name(u);
    if (n.starts_with("any_")) n = n.substr(4);
    return n;
  }

  // ---- types header -------------------------------------------------------------------

  std::string types_header() {
    std::ostringstream o;
    o << "// Generated by capnpc-mercato from " << file_name_ << ". Do not edit: change the schema.\n"
      << "// Plain value types, no Cap'n Proto: see " << base_ << ".codec.hpp for the codec.\n"
      << "#pragma once\n#include <array>\n#include <cstdint>\n#include <optional>\n#include <string>\n"
      << "#include <string_view>\n#include <variant>\n#include <vector>\n\n"
      << "#include <mercato/codec/vocabulary.hpp>\n";
    for (auto& i : imports_) o << "#include <mercato/codec/" << i << ".types.hpp>\n";
    o << "\nnamespace mercato::domain {\n";
    for (auto e : enums_) emit_enum_decl(o, e);
    for (auto s : structs_) emit_struct(o, s);
    for (auto u : unions_) {
      o << "\n/// " << schema_name(u) << ": one of its members.\n";
      o << "using " << cxx_name(u) << " = " << variant_of(members(u)) << ";\n";
      for (auto& [kind, ms] : entity_groups(u))
        o << "using " << kind << "_" << catalogue_suffix(u) << " = " << variant_of(ms) << ";\n";
    }
    o << "\n}  // namespace mercato::domain\n";
    return o.str();
  }

  void emit_enum_decl(std::ostringstream& o, capnp::EnumSchema e) {
    auto name = cxx_name(e);
    o << "\nenum class " << name << " : std::uint16_t {\n";
    for (auto en : e.getEnumerants())
      o << "  " << safe(snake(str(en.getProto().getName()))) << " = " << en.getOrdinal() << ",\n";
    o << "};\n";
    o << "/// The lower-case name (\"" << snake(str(e.getEnumerants()[0].getProto().getName()))
      << "\"); \"unknown\" for a value outside the enum.\n";
    o << "std::string_view to_string(" << name << " v) noexcept;\n";
    o << "/// The schema's name (\"" << str(e.getEnumerants()[0].getProto().getName()) << "\").\n";
    o << "std::string_view wire_name(" << name << " v) noexcept;\n";
    o << "bool is_valid(" << name << " v) noexcept;\n";
  }

  void emit_struct(std::ostringstream& o, capnp::StructSchema s) {
    auto proto = s.getProto();
    if (text_annotation(proto.getAnnotations(), ids_.cxx_type)) return;  // hand-written
    if (proto.getStruct().getDiscriminantCount() > 0)
      throw generator_error(file_name_ + ": " + schema_name(s) +
                            ": an unnamed union beside other fields is not supported");
    auto name = cxx_name(s);
    o << "\nstruct " << name << " {\n";
    o << "  static constexpr std::string_view type_name = \"" << schema_name(s) << "\";\n";
    o << "  static constexpr std::uint64_t schema_id = " << hex(proto.getId()) << ";\n";
    std::vector<std::string> personal;
    for (auto f : fields_in_code_order(s)) {
      o << "  " << field_type(s, f) << " " << field_name(f) << default_of(f) << ";\n";
      if (has_annotation(f.getProto().getAnnotations(), ids_.personal)) personal.push_back(field_name(f));
    }
    if (!personal.empty()) {
      o << "  /// Fields marked $personal in the schema (personal data of one person).\n";
      o << "  static constexpr std::array<std::string_view, " << personal.size() << "> personal_fields{";
      for (std::size_t i = 0; i < personal.size(); ++i) o << (i ? ", " : "") << "\"" << personal[i] << "\"";
      o << "};\n";
    }
    o << "  bool operator==(const " << name << "&) const = default;\n};\n";
  }

  // ---- codec header -------------------------------------------------------------------

  std::string codec_header() {
    std::ostringstream o;
    o << "// Generated by capnpc-mercato from " << file_name_ << ". Do not edit: change the schema.\n"
      << "// write(): value → builder. read(): reader → value; problems (an enumerant or union member\n"
      << "// this build does not know, an invalid currency) are recorded in the read_context.\n"
      << "#pragma once\n#include <mercato/codec/" << base_ << ".types.hpp>\n"
      << "#include <mercato/codec/codec_support.hpp>\n";
    for (auto& i : imports_) o << "#include <mercato/codec/" << i << ".codec.hpp>\n";
    o << "#include <mercato/schema/" << base_ << ".capnp.h>\n\nnamespace mercato::codec {\n\n";
    for (auto e : enums_) {
      auto t = cxx_qualified(e);
      auto fallback = text_annotation(e.getProto().getAnnotations(), ids_.unknown_as);
      o << "template <>\nstruct enum_traits<" << t
        << "> {\n  static constexpr std::uint16_t count = " << e.getEnumerants().size() << ";\n";
      if (fallback) {
        bool found = false;
        for (auto en : e.getEnumerants()) found = found || str(en.getProto().getName()) == *fallback;
        if (!found)
          throw generator_error(file_name_ + ": $unknownAs(\"" + *fallback + "\") is not an enumerant");
        o << "  static constexpr std::optional<" << t << "> unknown_as = " << t
          << "::" << safe(snake(*fallback)) << ";\n";
      } else {
        o << "  static constexpr std::optional<" << t << "> unknown_as = std::nullopt;\n";
      }
      o << "  static constexpr std::string_view name = \"" << schema_name(e) << "\";\n};\n";
    }
    // Structs with a hand-written C++ type ($cxxType) are declared here too; their
    // definitions are hand-written in codec/src.
    for (auto s : structs_) emit_codec_decls(o, cxx_qualified(s), capnp_type(s));
    for (auto u : unions_) {
      emit_codec_decls(o, cxx_qualified(u), capnp_type(u));
      for (auto& [kind, ms] : entity_groups(u))
        emit_codec_decls(o, "::mercato::domain::" + kind + "_" + catalogue_suffix(u), capnp_type(u));
    }
    o << "}  // namespace mercato::codec\n";
    return o.str();
  }

  void emit_codec_decls(std::ostringstream& o, const std::string& t, const std::string& capnp) {
    o << "template <>\nstruct schema_of<" << t << "> {\n  using type = " << capnp << ";\n};\n";
    o << "void write(const " << t << "& v, " << capnp << "::Builder b);\n";
    o << "void read(" << capnp << "::Reader r, " << t << "& v, read_context& ctx);\n\n";
  }

  // ---- codec source -------------------------------------------------------------------

  std::string codec_source() {
    std::ostringstream o;
    o << "// Generated by capnpc-mercato from " << file_name_ << ". Do not edit: change the schema.\n"
      << "#include <mercato/codec/" << base_ << ".codec.hpp>\n\n";
    o << "namespace mercato::domain {\n";
    for (auto e : enums_) emit_enum_defs(o, e);
    o << "}  // namespace mercato::domain\n\nnamespace mercato::codec {\n";
    for (auto s : structs_) {
      if (text_annotation(s.getProto().getAnnotations(), ids_.cxx_type)) continue;
      emit_struct_codec(o, s);
    }
    for (auto u : unions_) {
      emit_union_codec(o, u, cxx_qualified(u), members(u), "");
      for (auto& [kind, ms] : entity_groups(u))
        emit_union_codec(o, u, "::mercato::domain::" + kind + "_" + catalogue_suffix(u), ms, kind);
    }
    o << "}  // namespace mercato::codec\n";
    return o.str();
  }

  void emit_enum_defs(std::ostringstream& o, capnp::EnumSchema e) {
    auto name = cxx_name(e);
    o << "\nstd::string_view to_string(" << name << " v) noexcept {\n  switch (v) {\n";
    for (auto en : e.getEnumerants()) {
      auto n = str(en.getProto().getName());
      o << "    case " << name << "::" << safe(snake(n)) << ": return \"" << snake(n) << "\";\n";
    }
    o << "  }\n  return \"unknown\";\n}\n";
    o << "std::string_view wire_name(" << name << " v) noexcept {\n  switch (v) {\n";
    for (auto en : e.getEnumerants()) {
      auto n = str(en.getProto().getName());
      o << "    case " << name << "::" << safe(snake(n)) << ": return \"" << n << "\";\n";
    }
    o << "  }\n  return \"unknown\";\n}\n";
    o << "bool is_valid(" << name << " v) noexcept { return static_cast<std::uint16_t>(v) < "
      << e.getEnumerants().size() << "; }\n";
  }

  void emit_struct_codec(std::ostringstream& o, capnp::StructSchema s) {
    auto t = cxx_qualified(s);
    auto c = capnp_type(s);
    o << "\nvoid write(const " << t << "& v, " << c << "::Builder b) {\n";
    bool any = false;
    for (auto f : fields_in_code_order(s)) {
      emit_write_field(o, s, f, "v." + field_name(f), "b", "  ");
      any = true;
    }
    if (!any) o << "  (void)v;\n  (void)b;\n";
    o << "}\n";
    o << "void read(" << c << "::Reader r, " << t << "& v, read_context& ctx) {\n";
    any = false;
    for (auto f : fields_in_code_order(s)) {
      emit_read_field(o, s, f, "v." + field_name(f), "r", "  ");
      any = true;
    }
    if (!any) o << "  (void)r;\n  (void)v;\n";
    o << "  (void)ctx;\n}\n";
  }

  std::string accessor(capnp::StructSchema::Field f) const { return capital(str(f.getProto().getName())); }
  bool is_id(capnp::StructSchema::Field f) const {
    return text_annotation(f.getProto().getAnnotations(), ids_.id).has_value();
  }

  /// Writes the value `src` of field `f` of struct `s` into builder `b`.
  void emit_write_field(std::ostringstream& o, capnp::StructSchema s, capnp::StructSchema::Field f,
                        const std::string& src, const std::string& b, const std::string& in) {
    auto acc = accessor(f);
    if (f.getProto().isGroup()) {
      auto g = f.getType().asStruct();
      o << in << "{\n" << in << "  auto g = " << b << ".init" << acc << "();\n";
      if (is_optional_group(g)) {
        auto u = members_any(g);
        o << in << "  if (" << src << ") {\n";
        emit_write_field(o, g, u[1], "(*" + src + ")", "g", in + "    ");
        o << in << "  } else {\n" << in << "    g.set" << accessor(u[0]) << "();\n" << in << "  }\n";
      } else {
        auto ms = members(g);
        o << in << "  switch (" << src << ".index()) {\n";
        for (std::size_t i = 0; i < ms.size(); ++i)
          o << in << "    case " << i << ": write(std::get<" << i << ">(" << src << "), g.init"
            << accessor(ms[i]) << "()); break;\n";
        o << in << "  }\n";
      }
      o << in << "}\n";
      return;
    }
    auto t = f.getType();
    if (is_id(f)) {
      o << in << b << ".set" << acc << "(text(" << src << ".value()));\n";
      return;
    }
    switch (t.which()) {
      case Type::TEXT:
        o << in << b << ".set" << acc << "(text(" << src << "));\n";
        return;
      case Type::DATA:
        o << in << b << ".set" << acc << "(data(" << src << "));\n";
        return;
      case Type::ENUM:
        o << in << b << ".set" << acc << "(static_cast<" << capnp_type(t.asEnum())
          << ">(static_cast<std::uint16_t>(" << src << ")));\n";
        return;
      case Type::STRUCT:
        o << in << "write(" << src << ", " << b << ".init" << acc << "());\n";
        return;
      case Type::LIST: {
        auto e = t.asList().getElementType();
        o << in << "{\n"
          << in << "  auto l = " << b << ".init" << acc << "(list_size(" << src << ".size()));\n";
        o << in << "  for (unsigned i = 0; i < l.size(); ++i) ";
        switch (e.which()) {
          case Type::TEXT:
            o << "l.set(i, text(" << src << "[i]));\n";
            break;
          case Type::DATA:
            o << "l.set(i, data(" << src << "[i]));\n";
            break;
          case Type::STRUCT:
            o << "write(" << src << "[i], l[i]);\n";
            break;
          case Type::ENUM:
            o << "l.set(i, static_cast<" << capnp_type(e.asEnum()) << ">(static_cast<std::uint16_t>(" << src
              << "[i])));\n";
            break;
          case Type::LIST:
          case Type::VOID:
          case Type::INTERFACE:
          case Type::ANY_POINTER:
            throw generator_error(where(s, f) + ": list element type not supported");
          default:
            o << "l.set(i, " << src << "[i]);\n";
        }
        o << in << "}\n";
        return;
      }
      default:
        o << in << b << ".set" << acc << "(" << src << ");\n";
    }
  }

  /// Reads field `f` of struct `s` from reader `r` into `dst`.
  void emit_read_field(std::ostringstream& o, capnp::StructSchema s, capnp::StructSchema::Field f,
                       const std::string& dst, const std::string& r, const std::string& in) {
    auto acc = accessor(f);
    auto where_text = schema_name(s) + "." + str(f.getProto().getName());
    if (f.getProto().isGroup()) {
      auto g = f.getType().asStruct();
      o << in << "{\n" << in << "  auto g = " << r << ".get" << acc << "();\n";
      if (is_optional_group(g)) {
        auto u = members_any(g);
        o << in << "  if (g.is" << accessor(u[1]) << "()) {\n" << in << "    " << dst << ".emplace();\n";
        emit_read_field(o, g, u[1], "(*" + dst + ")", "g", in + "    ");
        o << in << "  } else {\n" << in << "    " << dst << ".reset();\n" << in << "  }\n";
      } else {
        auto ms = members(g);
        o << in << "  switch (static_cast<std::uint16_t>(g.which())) {\n";
        for (std::size_t i = 0; i < ms.size(); ++i)
          o << in << "    case " << ms[i].getProto().getDiscriminantValue() << ": read(g.get"
            << accessor(ms[i]) << "(), " << dst << ".emplace<" << i << ">(), ctx); break;\n";
        o << in << "    default: ctx.unknown_member(\"" << where_text
          << "\", static_cast<std::uint16_t>(g.which()));\n";
        o << in << "  }\n";
      }
      o << in << "}\n";
      return;
    }
    auto t = f.getType();
    if (is_id(f)) {
      o << in << dst << " = " << field_type(s, f) << "{str(" << r << ".get" << acc << "())};\n";
      return;
    }
    switch (t.which()) {
      case Type::TEXT:
      case Type::DATA:
        o << in << dst << " = str(" << r << ".get" << acc << "());\n";
        return;
      case Type::ENUM:
        o << in << dst << " = read_enum<" << cxx_qualified(t.asEnum()) << ">(static_cast<std::uint16_t>(" << r
          << ".get" << acc << "()), ctx, \"" << where_text << "\");\n";
        return;
      case Type::STRUCT:
        o << in << "read(" << r << ".get" << acc << "(), " << dst << ", ctx);\n";
        return;
      case Type::LIST: {
        auto e = t.asList().getElementType();
        o << in << "{\n" << in << "  auto l = " << r << ".get" << acc << "();\n";
        o << in << "  " << dst << ".clear();\n" << in << "  " << dst << ".reserve(l.size());\n";
        o << in << "  for (auto e : l) ";
        switch (e.which()) {
          case Type::TEXT:
          case Type::DATA:
            o << dst << ".push_back(str(e));\n";
            break;
          case Type::STRUCT:
            o << "read(e, " << dst << ".emplace_back(), ctx);\n";
            break;
          case Type::ENUM:
            o << dst << ".push_back(read_enum<" << cxx_qualified(e.asEnum())
              << ">(static_cast<std::uint16_t>(e), ctx, \"" << where_text << "\"));\n";
            break;
          default:
            o << dst << ".push_back(e);\n";
        }
        o << in << "}\n";
        return;
      }
      default:
        o << in << dst << " = " << r << ".get" << acc << "();\n";
    }
  }

  /// write/read of a catalogue union (or one entity's subset of it) as the union struct.
  void emit_union_codec(std::ostringstream& o, capnp::StructSchema u, const std::string& t,
                        const std::vector<capnp::StructSchema::Field>& ms, const std::string& kind) {
    auto c = capnp_type(u);
    o << "\nvoid write(const " << t << "& v, " << c << "::Builder b) {\n  switch (v.index()) {\n";
    for (std::size_t i = 0; i < ms.size(); ++i)
      o << "    case " << i << ": write(std::get<" << i << ">(v), b.init" << accessor(ms[i])
        << "()); break;\n";
    o << "  }\n}\n";
    o << "void read(" << c << "::Reader r, " << t << "& v, read_context& ctx) {\n";
    o << "  switch (static_cast<std::uint16_t>(r.which())) {\n";
    for (std::size_t i = 0; i < ms.size(); ++i)
      o << "    case " << ms[i].getProto().getDiscriminantValue() << ": read(r.get" << accessor(ms[i])
        << "(), v.emplace<" << i << ">(), ctx); break;\n";
    if (!kind.empty()) {
      for (auto m : members(u)) {
        if (std::find(ms.begin(), ms.end(), m) != ms.end()) continue;
        o << "    case " << m.getProto().getDiscriminantValue() << ": ctx.fail(\""
          << schema_name(m.getType().asStruct()) << " is not a " << kind << " " << catalogue_suffix(u)
          << "\"); break;\n";
      }
    }
    o << "    default: ctx.unknown_member(\"" << schema_name(u)
      << "\", static_cast<std::uint16_t>(r.which()));\n";
    o << "  }\n}\n";
  }

  void write_file(const std::string& name, const std::string& content) {
    std::ofstream f(name, std::ios::trunc);
    f << content;
    if (!f) throw generator_error("cannot write " + name);
  }

  capnp::SchemaLoader& loader_;
  annotation_ids ids_;
  std::string file_name_, base_, schema_ns_;
  std::vector<std::string> imports_;
  std::vector<capnp::StructSchema> structs_, unions_;
  std::vector<capnp::EnumSchema> enums_;
};

annotation_ids find_annotations(capnp::SchemaLoader& loader, capnp::List<capnp::schema::Node>::Reader nodes) {
  annotation_ids ids;
  for (auto node : nodes) {
    if (!node.isFile() || !str(node.getDisplayName()).ends_with("mercato.capnp")) continue;
    for (auto nested : node.getNestedNodes()) {
      auto name = str(nested.getName());
      auto id = nested.getId();
      if (name == "id") ids.id = id;
      if (name == "cxxName") ids.cxx_name = id;
      if (name == "cxxType") ids.cxx_type = id;
      if (name == "unknownAs") ids.unknown_as = id;
      if (name == "entity") ids.entity = id;
      if (name == "personal") ids.personal = id;
    }
  }
  (void)loader;
  if (!ids.id || !ids.cxx_name || !ids.cxx_type || !ids.unknown_as || !ids.entity || !ids.personal)
    throw generator_error("schemas must import mercato.capnp (the generator's annotations)");
  return ids;
}

}  // namespace

int main() {
  try {
    capnp::ReaderOptions options;
    options.traversalLimitInWords = 1ull << 30;
    capnp::StreamFdMessageReader message(STDIN_FILENO, options);
    auto request = message.getRoot<capnp::schema::CodeGeneratorRequest>();
    capnp::SchemaLoader loader;
    for (auto node : request.getNodes()) loader.load(node);
    auto ids = find_annotations(loader, request.getNodes());
    for (auto file : request.getRequestedFiles()) {
      generator g(loader, ids);
      g.generate(file);
    }
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "capnpc-mercato: " << e.what() << "\n";
    return 1;
  } catch (const kj::Exception& e) {
    std::cerr << "capnpc-mercato: " << e.getDescription().cStr() << "\n";
    return 1;
  }
}
