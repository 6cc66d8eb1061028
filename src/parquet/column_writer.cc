#include "parquet/column_writer_internal.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <string>

namespace dbexport::parquet {
namespace {

// Page sizes are i32 in parquet.thrift.
constexpr int64_t kMaxPageBytes = std::numeric_limits<int32_t>::max();

int64_t CountPresent(const uint8_t* valid, int64_t n) {
  if (valid == nullptr) return n;
  int64_t count = 0;
  for (int64_t i = 0; i < n; ++i) count += valid[i];
  return count;
}

}  // namespace

ColumnWriter::ColumnWriter(const Field& field, const WriterOptions& options,
                           Compressor* compressor)
    : field_(field),
      options_(options),
      compressor_(compressor),
      max_def_(field.is_list ? (field.nullable ? 1 : 0) + 1 + (field.element_nullable ? 1 : 0)
                             : (field.nullable ? 1 : 0)),
      max_rep_(field.is_list ? 1 : 0),
      width_(FixedValueWidth(field)),
      page_stats_(StatsKindFor(field)),
      chunk_stats_(StatsKindFor(field)) {
  if (options.dictionary_page_bytes > 0) {
    switch (field.type) {
      case PhysicalType::kInt32:
      case PhysicalType::kFloat:
        dict32_ = std::make_unique<FixedDictionary<uint32_t>>();
        break;
      case PhysicalType::kInt64:
      case PhysicalType::kDouble:
        dict64_ = std::make_unique<FixedDictionary<uint64_t>>();
        break;
      case PhysicalType::kByteArray:
      case PhysicalType::kFixedLenByteArray:
        dict_bytes_ = std::make_unique<BytesDictionary>(width_);
        break;
      case PhysicalType::kBoolean:
        break;  // one bit a value: a dictionary cannot help
    }
  }
  use_dictionary_ = dict32_ || dict64_ || dict_bytes_;
  page_dictionary_ = use_dictionary_;
}

size_t ColumnWriter::DictionarySize() const {
  if (dict32_) return dict32_->size();
  if (dict64_) return dict64_->size();
  if (dict_bytes_) return dict_bytes_->size();
  return 0;
}

const ByteBuffer* ColumnWriter::DictionaryPlain() const {
  if (dict32_) return &dict32_->plain();
  if (dict64_) return &dict64_->plain();
  if (dict_bytes_) return &dict_bytes_->plain();
  return nullptr;
}

void ColumnWriter::ClearDictionary() {
  if (dict32_) dict32_->Clear();
  if (dict64_) dict64_->Clear();
  if (dict_bytes_) dict_bytes_->Clear();
}

bool ColumnWriter::PageMayTurnPlain() const {
  // The chunk's first page decides dictionary or PLAIN when it is flushed.
  return !page_dictionary_ || locations_.empty();
}

int64_t ColumnWriter::PageBytes() const {
  int64_t values;
  if (!page_dictionary_) {
    values = static_cast<int64_t>(plain_.size());
    if (field_.type == PhysicalType::kBoolean) values /= 8;
  } else if (locations_.empty()) {
    values = page_plain_bytes_;
  } else {
    int bits = std::max(1, BitWidth(DictionarySize()));
    values = static_cast<int64_t>(indices_.size()) * bits / 8;
  }
  // Levels mostly collapse into RLE runs; count a bit per entry.
  return values + static_cast<int64_t>(def_levels_.size() + rep_levels_.size()) / 8;
}

int64_t ColumnWriter::buffered_bytes() const {
  const ByteBuffer* dict = DictionaryPlain();
  return chunk_uncompressed_ + PageBytes() + (dict ? static_cast<int64_t>(dict->size()) : 0);
}

int64_t ColumnWriter::estimated_file_bytes() const {
  const ByteBuffer* dict = DictionaryPlain();
  return static_cast<int64_t>(chunk_.size()) + PageBytes() +
         (dict ? static_cast<int64_t>(dict->size()) : 0);
}

int64_t ColumnWriter::RowsWithinPageBytes(const Column& column, int64_t begin, int64_t end) const {
  // Rows that fit the rest of the page (at least one), in bits so that
  // booleans and dictionary indices count for what they encode to.
  int64_t budget_bits = 8 * std::max<int64_t>(0, options_.data_page_bytes - PageBytes());
  bool plain = PageMayTurnPlain();
  bool plain_bytes = plain && field_.type == PhysicalType::kByteArray;
  int64_t value_bits = !plain ? std::max(1, BitWidth(DictionarySize()))
                       : field_.type == PhysicalType::kBoolean ? 1
                                                               : 8 * width_;
  if (!field_.is_list && !plain_bytes) {
    int64_t rows = budget_bits / value_bits + 1;
    return begin + std::min(end - begin, rows);
  }
  const int64_t* off = column.offsets.data();
  for (int64_t r = begin; r < end; ++r) {
    int64_t vb = field_.is_list ? column.list_offsets[r] : r;
    int64_t ve = field_.is_list ? column.list_offsets[r + 1] : r + 1;
    budget_bits -= plain_bytes ? 8 * (off[ve] - off[vb] + 4 * (ve - vb)) : value_bits * (ve - vb);
    if (budget_bits <= 0) return r + 1;
  }
  return end;
}

Status ColumnWriter::Append(const Column& column, int64_t begin, int64_t end) {
  while (begin < end) {
    int64_t stop = std::min(end, begin + (options_.data_page_rows - page_rows_));
    stop = RowsWithinPageBytes(column, begin, stop);
    int64_t done = AppendRows(column, begin, stop);
    begin += done;
    if (begin < stop) {
      // The dictionary is full: finish its page, PLAIN from here on.
      DBX_RETURN_IF_ERROR(FlushPage());
      use_dictionary_ = false;
      page_dictionary_ = false;
      continue;
    }
    if (page_rows_ >= options_.data_page_rows || PageBytes() >= options_.data_page_bytes) {
      DBX_RETURN_IF_ERROR(FlushPage());
    }
  }
  return Status::OK();
}

int64_t ColumnWriter::AppendRows(const Column& column, int64_t begin, int64_t end) {
  int64_t vb = begin, ve = end;
  const std::vector<uint8_t>& value_valid = field_.is_list ? column.element_valid : column.valid;
  if (field_.is_list) {
    vb = column.list_offsets[static_cast<size_t>(begin)];
    ve = column.list_offsets[static_cast<size_t>(end)];
  }
  const uint8_t* valid = value_valid.empty() ? nullptr : value_valid.data() + vb;

  if (page_dictionary_) {
    size_t before = indices_.size();
    auto consumed = static_cast<int64_t>(DictionaryEncode(column, vb, ve - vb, valid));
    if (consumed < ve - vb) {
      // Keep whole rows only: cut before the row holding the value that did
      // not fit, and forget indices past that row.
      if (field_.is_list) {
        const int64_t* lo = column.list_offsets.data();
        end = std::upper_bound(lo + begin, lo + end + 1, vb + consumed) - lo - 1;
        ve = lo[end];
      } else {
        end = begin + consumed;
        ve = end;
      }
      indices_.resize(before + static_cast<size_t>(CountPresent(valid, ve - vb)));
      if (end == begin) return 0;
    }
  } else {
    AppendPlain(column, vb, ve - vb, valid);
  }

  int64_t present = CountPresent(valid, ve - vb);
  if (page_dictionary_) {
    page_plain_bytes_ += field_.type == PhysicalType::kByteArray
                             ? column.offsets[ve] - column.offsets[vb] + 4 * present
                             : width_ * present;
  }
  int64_t entries;
  if (field_.is_list) {
    int64_t before = static_cast<int64_t>(def_levels_.size());
    AppendListLevels(column, begin, end);
    entries = static_cast<int64_t>(def_levels_.size()) - before;
  } else {
    entries = end - begin;
    if (max_def_ > 0) {
      if (column.valid.empty()) {
        std::memset(def_levels_.Extend(static_cast<size_t>(entries)), 1,
                    static_cast<size_t>(entries));
      } else {
        def_levels_.Append(column.valid.data() + begin, static_cast<size_t>(entries));
      }
    }
  }
  UpdateStatistics(column, vb, ve - vb, valid);
  page_stats_.AddNulls(entries - present);
  page_values_ += entries;
  page_non_null_ += present;
  page_rows_ += end - begin;
  return end - begin;
}

size_t ColumnWriter::DictionaryEncode(const Column& column, int64_t vb, int64_t n,
                                      const uint8_t* valid) {
  auto limit = static_cast<size_t>(options_.dictionary_page_bytes);
  auto count = static_cast<size_t>(n);
  if (dict32_) return dict32_->Encode(column.fixed.data() + 4 * vb, valid, count, limit, &indices_);
  if (dict64_) return dict64_->Encode(column.fixed.data() + 8 * vb, valid, count, limit, &indices_);
  if (field_.type == PhysicalType::kByteArray) {
    return dict_bytes_->EncodeByteArray(column.offsets.data() + vb, column.data.data(), valid,
                                        count, limit, &indices_);
  }
  return dict_bytes_->EncodeFixed(column.fixed.data() + vb * width_, valid, count, limit,
                                  &indices_);
}

void ColumnWriter::AppendPlain(const Column& column, int64_t vb, int64_t n, const uint8_t* valid) {
  if (field_.type == PhysicalType::kByteArray) {
    const int64_t* off = column.offsets.data() + vb;
    const uint8_t* data = column.data.data();
    // Room for every value, NULLs (empty) included, then trim.
    size_t room = static_cast<size_t>(off[n] - off[0] + 4 * n);
    size_t start = plain_.size();
    uint8_t* p = plain_.Extend(room);
    for (int64_t i = 0; i < n; ++i) {
      if (valid != nullptr && valid[i] == 0) continue;
      auto len = static_cast<uint32_t>(off[i + 1] - off[i]);
      std::memcpy(p, &len, 4);
      if (len != 0) std::memcpy(p + 4, data + off[i], len);  // data is null when every value is empty
      p += 4 + len;
    }
    plain_.Resize(static_cast<size_t>(p - (plain_.data() + start)) + start);
    return;
  }
  auto w = static_cast<size_t>(width_);
  const uint8_t* values = column.fixed.data() + static_cast<size_t>(vb) * w;
  if (valid == nullptr) {
    plain_.Append(values, static_cast<size_t>(n) * w);
    return;
  }
  // Copy runs of present values.
  int64_t i = 0;
  while (i < n) {
    if (valid[i] == 0) {
      ++i;
      continue;
    }
    int64_t j = i + 1;
    while (j < n && valid[j] != 0) ++j;
    plain_.Append(values + static_cast<size_t>(i) * w, static_cast<size_t>(j - i) * w);
    i = j;
  }
}

void ColumnWriter::UpdateStatistics(const Column& column, int64_t vb, int64_t n,
                                    const uint8_t* valid) {
  auto count = static_cast<size_t>(n);
  switch (field_.type) {
    case PhysicalType::kByteArray:
      page_stats_.UpdateByteArray(column.offsets.data() + vb, column.data.data(), valid, count);
      return;
    case PhysicalType::kFixedLenByteArray:
      page_stats_.UpdateFlba(column.fixed.data() + vb * width_, width_, valid, count);
      return;
    default:
      page_stats_.UpdateFixed(column.fixed.data() + vb * width_, valid, count);
      return;
  }
}

void ColumnWriter::AppendListLevels(const Column& column, int64_t begin, int64_t end) {
  // Definition levels of a LIST (parquet-notes §4): a NULL list 0, an empty
  // list 1 if the list is nullable (else 0), then +1 for a present element
  // slot and +1 again if the element itself is present.
  const auto null_list = static_cast<uint8_t>(0);
  const auto empty_list = static_cast<uint8_t>(field_.nullable ? 1 : 0);
  const auto present = static_cast<uint8_t>(max_def_);
  const auto null_element = static_cast<uint8_t>(max_def_ - 1);
  const int64_t* lo = column.list_offsets.data();
  const uint8_t* row_valid = column.valid.empty() ? nullptr : column.valid.data();
  const uint8_t* elem_valid = column.element_valid.empty() ? nullptr : column.element_valid.data();
  for (int64_t r = begin; r < end; ++r) {
    int64_t eb = lo[r], ee = lo[r + 1];
    if (row_valid != nullptr && row_valid[r] == 0) {
      def_levels_.PushBack(null_list);
      rep_levels_.PushBack(0);
      continue;
    }
    if (eb == ee) {
      def_levels_.PushBack(empty_list);
      rep_levels_.PushBack(0);
      continue;
    }
    auto count = static_cast<size_t>(ee - eb);
    uint8_t* d = def_levels_.Extend(count);
    uint8_t* rep = rep_levels_.Extend(count);
    for (int64_t e = eb; e < ee; ++e) {
      *d++ = elem_valid == nullptr || elem_valid[e] != 0 ? present : null_element;
      *rep++ = e == eb ? 0 : 1;
    }
  }
}

Status ColumnWriter::CompressInto(const ByteBuffer& raw, const ByteBuffer** body) {
  if (compressor_ == nullptr) {
    *body = &raw;
    return Status::OK();
  }
  DBX_RETURN_IF_ERROR(compressor_->Compress(raw.data(), raw.size(), &compressed_));
  *body = &compressed_;
  return Status::OK();
}

void ColumnWriter::AppendDictionaryValues(ByteBuffer* out) const {
  int bits = std::max(1, BitWidth(DictionarySize() - 1));
  out->PushBack(static_cast<uint8_t>(bits));
  AppendHybrid(indices_.data(), indices_.size(), bits, out);
}

Status ColumnWriter::CompressedSize(const ByteBuffer& raw, size_t* size) {
  const ByteBuffer* body = nullptr;
  DBX_RETURN_IF_ERROR(CompressInto(raw, &body));
  *size = body->size();
  return Status::OK();
}

Status ColumnWriter::TryDictionary(bool* keep) {
  // Sorted or distinct values (keys, timestamps, prices) often compress
  // better PLAIN than as indices plus a dictionary. Compress the page both
  // ways (PLAIN's values come back out of the dictionary) and drop the
  // dictionary when PLAIN beats the indices alone, or beats indices plus
  // dictionary while values repeat less than twice: a dictionary of values
  // that do repeat pays off over the chunk's later pages.
  size_t indices_size = 0, dictionary_size = 0, plain_size = 0;
  DBX_RETURN_IF_ERROR(CompressedSize(dictionary_values_, &indices_size));
  DBX_RETURN_IF_ERROR(CompressedSize(*DictionaryPlain(), &dictionary_size));
  plain_.clear();
  if (dict32_) dict32_->Decode(indices_.data(), indices_.size(), &plain_);
  if (dict64_) dict64_->Decode(indices_.data(), indices_.size(), &plain_);
  if (dict_bytes_) dict_bytes_->Decode(indices_.data(), indices_.size(), &plain_);
  DBX_RETURN_IF_ERROR(CompressedSize(plain_, &plain_size));
  bool repeating = 2 * DictionarySize() <= indices_.size();
  *keep = indices_size < plain_size && (repeating || indices_size + dictionary_size < plain_size);
  if (*keep) plain_.clear();
  return Status::OK();
}

Status ColumnWriter::FlushPage() {
  if (page_values_ == 0) return Status::OK();
  auto n = static_cast<size_t>(page_values_);
  page_buf_.clear();
  if (max_rep_ > 0) AppendLevels(rep_levels_.data(), n, max_rep_, &page_buf_);
  if (max_def_ > 0) {
    if (!field_.is_list && page_non_null_ == page_values_) {
      AppendRepeatedLevel(static_cast<uint8_t>(max_def_), n, max_def_, &page_buf_);
    } else {
      AppendLevels(def_levels_.data(), n, max_def_, &page_buf_);
    }
  }
  Encoding encoding = Encoding::kPlain;
  if (page_dictionary_ && DictionarySize() > 0) {
    dictionary_values_.clear();
    AppendDictionaryValues(&dictionary_values_);
    if (locations_.empty()) {
      // The chunk's first page decides whether the dictionary pays.
      bool keep = true;
      DBX_RETURN_IF_ERROR(TryDictionary(&keep));
      if (!keep) {
        use_dictionary_ = page_dictionary_ = false;
        ClearDictionary();
        indices_.clear();
      }
    }
  }
  if (page_dictionary_ && DictionarySize() > 0) {
    encoding = Encoding::kRleDictionary;
    page_buf_.Append(dictionary_values_.data(), dictionary_values_.size());
  } else if (field_.type == PhysicalType::kBoolean) {
    AppendPlainBooleans(plain_.data(), plain_.size(), &page_buf_);
  } else {
    page_buf_.Append(plain_.data(), plain_.size());
  }
  if (static_cast<int64_t>(page_buf_.size()) > kMaxPageBytes) {
    return InvalidArgument("column \"" + field_.name + "\": a data page of " +
                           std::to_string(page_buf_.size()) +
                           " bytes exceeds Parquet's 2 GiB page limit");
  }
  const ByteBuffer* body = nullptr;
  DBX_RETURN_IF_ERROR(CompressInto(page_buf_, &body));
  if (static_cast<int64_t>(body->size()) > kMaxPageBytes) {
    return InvalidArgument("column \"" + field_.name + "\": a compressed data page of " +
                           std::to_string(body->size()) + " bytes exceeds Parquet's 2 GiB page limit");
  }
  header_.clear();
  AppendDataPageHeader(static_cast<int32_t>(page_buf_.size()), static_cast<int32_t>(body->size()),
                       static_cast<int32_t>(page_values_), encoding, &header_);

  locations_.push_back(PageLocation{static_cast<int64_t>(chunk_.size()),
                                    static_cast<int32_t>(header_.size() + body->size()),
                                    chunk_rows_});
  chunk_.Append(header_.data(), header_.size());
  chunk_.Append(body->data(), body->size());
  chunk_uncompressed_ += static_cast<int64_t>(header_.size() + page_buf_.size());
  (encoding == Encoding::kRleDictionary ? dictionary_pages_ : plain_pages_)++;

  if (options_.write_page_index) {
    EncodedStats s = page_stats_.Encode(kMaxStatisticsBytes);
    PageIndexEntry entry;
    entry.null_page = page_non_null_ == 0;
    entry.null_count = s.null_count;
    if (!entry.null_page) {
      // A page with values but no min/max (all NaN) cannot be described.
      if (!s.has_min_max) column_index_possible_ = false;
      entry.min = std::move(s.min);
      entry.max = std::move(s.max);
    }
    index_entries_.push_back(std::move(entry));
  }
  chunk_stats_.Merge(page_stats_);
  page_stats_.Reset();

  chunk_rows_ += page_rows_;
  chunk_values_ += page_values_;
  def_levels_.clear();
  rep_levels_.clear();
  plain_.clear();
  indices_.clear();
  page_values_ = page_rows_ = page_non_null_ = page_plain_bytes_ = 0;
  page_dictionary_ = use_dictionary_;
  return Status::OK();
}

void ColumnWriter::BuildPageIndex(int64_t data_offset, FinishedChunk* out) const {
  std::vector<PageLocation> locations = locations_;
  for (auto& l : locations) l.offset += data_offset;
  AppendOffsetIndex(locations, &out->offset_index);
  if (!column_index_possible_) return;
  // Boundary order over the pages with values, compared as encoded.
  StatsKind kind = chunk_stats_.kind();
  bool ascending = true, descending = true;
  const PageIndexEntry* prev = nullptr;
  for (const auto& e : index_entries_) {
    if (e.null_page) continue;
    if (prev != nullptr) {
      int min_cmp = CompareEncoded(kind, e.min, prev->min);
      int max_cmp = CompareEncoded(kind, e.max, prev->max);
      if (min_cmp < 0 || max_cmp < 0) ascending = false;
      if (min_cmp > 0 || max_cmp > 0) descending = false;
    }
    prev = &e;
  }
  BoundaryOrder order = ascending    ? BoundaryOrder::kAscending
                        : descending ? BoundaryOrder::kDescending
                                     : BoundaryOrder::kUnordered;
  AppendColumnIndex(index_entries_, order, &out->column_index);
}

Status ColumnWriter::FinishChunk(int64_t offset, OutputStream* sink, FinishedChunk* out) {
  DBX_RETURN_IF_ERROR(FlushPage());
  ColumnChunkMeta& m = out->meta;
  m = ColumnChunkMeta{};
  out->column_index.clear();
  out->offset_index.clear();
  m.type = field_.type;
  m.path_in_schema = LeafPath(field_);
  m.codec = options_.codec;
  m.num_values = chunk_values_;

  int64_t pos = offset;
  int64_t uncompressed = chunk_uncompressed_;
  size_t dictionary_size = DictionarySize();
  if (dictionary_size > 0) {
    const ByteBuffer& plain = *DictionaryPlain();
    const ByteBuffer* body = nullptr;
    DBX_RETURN_IF_ERROR(CompressInto(plain, &body));
    header_.clear();
    AppendDictionaryPageHeader(static_cast<int32_t>(plain.size()),
                               static_cast<int32_t>(body->size()),
                               static_cast<int32_t>(dictionary_size), &header_);
    DBX_RETURN_IF_ERROR(sink->Write(header_.data(), header_.size()));
    DBX_RETURN_IF_ERROR(sink->Write(body->data(), body->size()));
    m.dictionary_page_offset = pos;
    pos += static_cast<int64_t>(header_.size() + body->size());
    uncompressed += static_cast<int64_t>(header_.size() + plain.size());
    m.encoding_stats.push_back({PageType::kDictionaryPage, Encoding::kPlain, 1});
  }
  m.data_page_offset = pos;
  DBX_RETURN_IF_ERROR(sink->Write(chunk_.data(), chunk_.size()));
  if (options_.write_page_index) BuildPageIndex(pos, out);
  pos += static_cast<int64_t>(chunk_.size());
  m.total_compressed_size = pos - offset;
  m.total_uncompressed_size = uncompressed;

  if (dictionary_size > 0 || plain_pages_ > 0) m.encodings.push_back(Encoding::kPlain);
  m.encodings.push_back(Encoding::kRle);
  if (dictionary_pages_ > 0) {
    m.encodings.push_back(Encoding::kRleDictionary);
    m.encoding_stats.push_back({PageType::kDataPage, Encoding::kRleDictionary, dictionary_pages_});
  }
  if (plain_pages_ > 0) {
    m.encoding_stats.push_back({PageType::kDataPage, Encoding::kPlain, plain_pages_});
  }
  m.statistics = chunk_stats_.Encode(kMaxStatisticsBytes);

  // Reset for the next row group.
  use_dictionary_ = dict32_ || dict64_ || dict_bytes_;
  page_dictionary_ = use_dictionary_;
  ClearDictionary();
  chunk_.clear();
  locations_.clear();
  index_entries_.clear();
  column_index_possible_ = true;
  chunk_stats_.Reset();
  chunk_rows_ = chunk_values_ = chunk_uncompressed_ = 0;
  dictionary_pages_ = plain_pages_ = 0;
  return Status::OK();
}

}  // namespace dbexport::parquet
