// Projection key naming, the per-batch write overlay, and events decoded once.
#include <stdexcept>

#include <mercato/projections/projection.hpp>

namespace mercato::projections {

std::string key_prefix(std::string_view name, std::uint32_t version) {
  return "proj/" + std::string(name) + "/v" + std::to_string(version) + "/";
}

std::string checkpoints_key(std::string_view prefix) {
  return std::string(prefix) + "checkpoints";
}

std::string checkpoint_key(std::string_view prefix, es::shard_id shard) {
  return std::string(prefix) + "shard/" + std::to_string(shard.value());
}

void delete_checkpoints(es::aux_batch& batch, std::string_view prefix, std::uint32_t shard_count) {
  batch.delete_checkpoint(checkpoints_key(prefix));
  for (std::uint32_t s = 0; s < shard_count; ++s)
    batch.delete_checkpoint(checkpoint_key(prefix, es::shard_id{s}));
}

bool log_event::decode() const {
  if (form_) return false;
  form_ = std::make_unique<codec::decoded<domain::any_event>>(
      decoder_ && *decoder_ ? (*decoder_)(*this) : codec::decode_event(*this));
  return true;
}

const domain::any_event& log_event::decoded(std::string_view model) const {
  decode();
  if (!*form_)
    throw projection_error(std::string(model) + ": " + stream + " v" + std::to_string(version.value()) +
                           ": " + form_->error().message);
  return **form_;
}

batch_writer::batch_writer(const es::event_store& store, std::string prefix)
    : store_(store), prefix_(std::move(prefix)) {}

std::optional<std::string> batch_writer::get(std::string_view key) const {
  if (auto it = pending_.find(key); it != pending_.end()) return it->second;
  auto r = store_.load_projection(prefix_ + std::string(key));
  if (!r) throw projection_error("reading " + prefix_ + std::string(key) + ": " + r.error().message);
  return std::move(*r);
}

void batch_writer::put(std::string_view key, std::string value) {
  pending_.insert_or_assign(std::string(key), std::optional<std::string>(std::move(value)));
}

void batch_writer::erase(std::string_view key) {
  pending_.insert_or_assign(std::string(key), std::optional<std::string>());
}

void batch_writer::flush_into(es::aux_batch& out) {
  for (auto& [key, value] : pending_) {
    if (value)
      out.put_projection(prefix_ + key, *value);
    else
      out.delete_projection(prefix_ + key);
  }
  pending_.clear();
}

}  // namespace mercato::projections
