// One chunk: source rows -> Parquet part files.
//
// Reading (the source decoding COPY data) and encoding (Parquet pages,
// compression) each take about as long as the other, so they run on two
// threads: a reader thread fills batches from a small pool and hands them
// over a bounded queue; the calling thread encodes them and returns them to
// the pool. The pool size bounds memory to kPipelineBatches batches.

#include <condition_variable>
#include <deque>
#include <memory>
#include <system_error>
#include <thread>

#include "common/sha256.h"
#include "export/export_internal.h"
#include "export/naming.h"

namespace dbexport::exporter {
namespace {

// One batch being read, one queued, one being encoded.
constexpr int kPipelineBatches = 3;

// The hand-over between the reader thread and the encoder.
class BatchPipe {
 public:
  explicit BatchPipe(const parquet::Schema& schema) {
    for (int i = 0; i < kPipelineBatches; ++i) {
      batches_.push_back(std::make_unique<parquet::ColumnBatch>(schema));
      free_.push_back(batches_.back().get());
    }
  }

  // Reader side. Returns nullptr once the encoder has closed the pipe.
  parquet::ColumnBatch* TakeFree() {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return closed_ || !free_.empty(); });
    if (closed_) return nullptr;
    parquet::ColumnBatch* b = free_.front();
    free_.pop_front();
    return b;
  }
  void PushFull(parquet::ColumnBatch* b) {
    std::lock_guard<std::mutex> lock(mu_);
    full_.push_back(b);
    cv_.notify_all();
  }
  // The reader is done: `status` OK at the end of the rows, else the error.
  void FinishReading(Status status) {
    std::lock_guard<std::mutex> lock(mu_);
    reading_done_ = true;
    read_status_ = std::move(status);
    cv_.notify_all();
  }

  // Encoder side. Returns nullptr when no batch will come; read_status() then
  // says why.
  parquet::ColumnBatch* TakeFull() {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return reading_done_ || !full_.empty(); });
    if (full_.empty()) return nullptr;
    parquet::ColumnBatch* b = full_.front();
    full_.pop_front();
    return b;
  }
  void ReturnFree(parquet::ColumnBatch* b) {
    std::lock_guard<std::mutex> lock(mu_);
    free_.push_back(b);
    cv_.notify_all();
  }
  // Stops the reader at its next TakeFree().
  void Close() {
    std::lock_guard<std::mutex> lock(mu_);
    closed_ = true;
    cv_.notify_all();
  }
  Status read_status() {
    std::lock_guard<std::mutex> lock(mu_);
    return read_status_;
  }

 private:
  std::vector<std::unique_ptr<parquet::ColumnBatch>> batches_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<parquet::ColumnBatch*> free_;
  std::deque<parquet::ColumnBatch*> full_;
  bool closed_ = false;
  bool reading_done_ = false;
  Status read_status_;
};

// With a rate limit the reader pays for each batch after handing it over,
// so the encoder works on it while the reader waits.
void ReadChunk(source::ChunkReader* reader, BatchPipe* pipe, const ChunkContext* context) {
  int64_t reported = 0;
  for (;;) {
    parquet::ColumnBatch* batch = pipe->TakeFree();
    if (batch == nullptr) {
      pipe->FinishReading(Status::OK());
      return;
    }
    Result<bool> more = reader->Next(batch);
    int64_t read = reader->bytes_read();
    int64_t consumed = read - reported;
    context->progress->AddBytesRead(consumed);
    reported = read;
    if (!more.ok()) {
      pipe->FinishReading(more.status());
      return;
    }
    if (*more) {
      pipe->PushFull(batch);
    } else {
      pipe->ReturnFree(batch);
    }
    if (context->limiter != nullptr) {
      Status paid = context->limiter->Acquire(consumed, context->stop);
      if (!paid.ok()) {
        pipe->FinishReading(paid);
        return;
      }
    }
    if (!*more) {
      pipe->FinishReading(Status::OK());
      return;
    }
  }
}

// The part files of one chunk, one open at a time.
class PartFileSequence {
 public:
  PartFileSequence(const source::Chunk& chunk, const ChunkContext& context)
      : chunk_(chunk), context_(context), uuid_(NewUuid()) {}
  ~PartFileSequence() { Abort(); }

  Status Append(const parquet::ColumnBatch& batch) {
    if (writer_ == nullptr) DBX_RETURN_IF_ERROR(OpenNext());
    DBX_RETURN_IF_ERROR(writer_->Append(batch));
    output_.rows += batch.num_rows();
    file_rows_ += batch.num_rows();
    context_.progress->AddRows(batch.num_rows());
    int64_t written = writer_->bytes_written();
    context_.progress->AddBytesWritten(written - reported_bytes_);
    reported_bytes_ = written;
    if (writer_->ShouldRollOver()) DBX_RETURN_IF_ERROR(CloseCurrent());
    return Status::OK();
  }

  // Closes the open file, if any.
  Status Finish() { return writer_ == nullptr ? Status::OK() : CloseCurrent(); }

  // Deletes the files already closed (best effort: the export's final
  // listing finds any the store kept).
  void DeleteClosed() {
    for (const DataFile& f : output_.data_files) context_.store->Delete(f.key).IgnoreError();
  }

  // Discards the open file, if any; closed files stay.
  void Abort() {
    writer_.reset();
    hashing_.reset();
    if (stream_ != nullptr) {
      stream_->Abort().IgnoreError();
      stream_.reset();
    }
  }

  ChunkOutput& output() { return output_; }

 private:
  Status OpenNext() {
    key_ = DataFileKey(context_.table_prefix, chunk_.index, next_part_++, uuid_,
                       context_.writer_options->codec);
    DBX_ASSIGN_OR_RETURN(stream_, context_.store->OpenWrite(key_));
    // The writer writes through the hash: the digest costs no second read.
    hashing_ = std::make_unique<HashingOutputStream>(stream_.get());
    DBX_ASSIGN_OR_RETURN(writer_, parquet::FileWriter::Make(*context_.schema, *context_.writer_options,
                                                            hashing_.get()));
    reported_bytes_ = 0;
    file_rows_ = 0;
    return Status::OK();
  }

  Status CloseCurrent() {
    Status s = writer_->Close();
    // Every byte has gone through the hash once the writer is closed; the
    // digest comes before the commit so that a failure can still abort.
    Result<std::string> digest = s.ok() ? hashing_->Digest() : Result<std::string>(s);
    if (s.ok()) s = digest.status();
    if (s.ok()) s = stream_->Close();
    if (!s.ok()) {
      Abort();
      return s.WithContext("writing " + key_);
    }
    int64_t size = stream_->Tell();
    context_.progress->AddBytesWritten(size - reported_bytes_);
    output_.bytes_written += size;
    output_.files += 1;
    output_.data_files.push_back({key_, size, file_rows_, std::move(*digest), writer_->Summary().columns});
    writer_.reset();
    hashing_.reset();
    stream_.reset();
    return Status::OK();
  }

  const source::Chunk& chunk_;
  const ChunkContext& context_;
  std::string uuid_;
  int next_part_ = 0;
  std::string key_;
  std::unique_ptr<OutputStream> stream_;
  std::unique_ptr<HashingOutputStream> hashing_;  // writes into stream_
  std::unique_ptr<parquet::FileWriter> writer_;
  int64_t reported_bytes_ = 0;
  int64_t file_rows_ = 0;
  ChunkOutput output_;
};

}  // namespace

Result<ChunkOutput> ExportChunk(source::Snapshot* snapshot, const source::TableInfo& table,
                                const source::Chunk& chunk, const ChunkContext& context, bool* read_failed) {
  bool ignored = false;
  if (read_failed == nullptr) read_failed = &ignored;
  *read_failed = false;
  Result<std::unique_ptr<source::ChunkReader>> opened =
      snapshot->OpenChunk(table, chunk, context.schema, context.stop);
  if (!opened.ok()) {
    *read_failed = true;
    return opened.status();
  }
  std::unique_ptr<source::ChunkReader> reader = std::move(opened).value();
  BatchPipe pipe(*context.schema);
  std::thread reader_thread;
  try {
    reader_thread = std::thread(ReadChunk, reader.get(), &pipe, &context);
  } catch (const std::system_error& e) {
    return ResourceExhausted(std::string("starting the reader thread: ") + e.what());
  }

  PartFileSequence files(chunk, context);
  Status status;
  while (parquet::ColumnBatch* batch = pipe.TakeFull()) {
    if (context.stop->load(std::memory_order_relaxed)) {
      status = Cancelled("export stopped");
      break;
    }
    if (batch->num_rows() > 0) status = files.Append(*batch);
    pipe.ReturnFree(batch);
    if (!status.ok()) break;
  }
  pipe.Close();
  reader_thread.join();
  if (status.ok()) {
    status = pipe.read_status();
    *read_failed = !status.ok();
  }
  if (status.ok()) status = files.Finish();
  if (!status.ok()) {
    files.Abort();
    files.DeleteClosed();
    return status;
  }
  files.output().warnings = reader->warnings();
  return std::move(files.output());
}

}  // namespace dbexport::exporter
