// Bytes cut anywhere (auditd's pipe, a file read in chunks) in, whole lines
// out. A line longer than the limit is dropped whole and counted, so that
// garbage without newlines cannot grow memory.
#ifndef AUDISP_IMDS_INPUT_LINE_ASSEMBLER_H
#define AUDISP_IMDS_INPUT_LINE_ASSEMBLER_H

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace imds {

class LineAssembler {
 public:
  explicit LineAssembler(size_t max_line_bytes) : max_line_bytes_(max_line_bytes) {}

  // Calls on_line(std::string_view) for every line completed by `data`,
  // without its newline, in order.
  template <typename OnLine>
  void Feed(const char* data, size_t size, OnLine&& on_line) {
    const char* const end = data + size;
    while (data < end) {
      const auto* newline = static_cast<const char*>(std::memchr(data, '\n', static_cast<size_t>(end - data)));
      if (newline == nullptr) {
        Hold(data, static_cast<size_t>(end - data));
        return;
      }
      const auto length = static_cast<size_t>(newline - data);
      if (discarding_) {
        discarding_ = false;  // the end of an over-long line
      } else if (!partial_.empty()) {
        if (partial_.size() + length > max_line_bytes_) {
          ++dropped_lines_;
        } else {
          partial_.append(data, length);
          on_line(std::string_view(partial_));
        }
        partial_.clear();
      } else if (length > max_line_bytes_) {
        ++dropped_lines_;
      } else {
        on_line(std::string_view(data, length));
      }
      data = newline + 1;
    }
  }

  // End of input: a last unterminated line is a line.
  template <typename OnLine>
  void Flush(OnLine&& on_line) {
    if (!partial_.empty()) on_line(std::string_view(partial_));
    partial_.clear();
    discarding_ = false;
  }

  bool HoldsPartialLine() const { return !partial_.empty() || discarding_; }
  uint64_t dropped_lines() const { return dropped_lines_; }

 private:
  void Hold(const char* data, size_t size) {
    if (discarding_) return;
    if (partial_.size() + size > max_line_bytes_) {
      partial_.clear();
      discarding_ = true;
      ++dropped_lines_;
      return;
    }
    partial_.append(data, size);
  }

  size_t max_line_bytes_;
  std::string partial_;
  bool discarding_ = false;  // inside a line already counted as dropped
  uint64_t dropped_lines_ = 0;
};

}  // namespace imds

#endif  // AUDISP_IMDS_INPUT_LINE_ASSEMBLER_H
