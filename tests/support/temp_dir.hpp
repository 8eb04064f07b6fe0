#pragma once
// A fresh directory under $TMPDIR (or /tmp) for one test, removed with everything in it
// when the object goes out of scope.
#include <filesystem>

namespace mercato::test {

class temp_dir {
 public:
  temp_dir();
  ~temp_dir();
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

}  // namespace mercato::test
