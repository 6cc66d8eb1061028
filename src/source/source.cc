#include "source/source.h"

#include "source/mysql/mysql_source_internal.h"
#include "source/postgres/postgres_source_internal.h"

namespace dbexport::source {

Result<std::unique_ptr<Source>> OpenSource(const std::string& url, const SourceOptions& options) {
  if (url.rfind("postgresql://", 0) == 0 || url.rfind("postgres://", 0) == 0) {
    DBX_ASSIGN_OR_RETURN(auto source, postgres::PgSource::Open(url, options));
    return std::unique_ptr<Source>(std::move(source));
  }
  if (url.rfind("mysql://", 0) == 0 || url.rfind("mariadb://", 0) == 0) {
    DBX_ASSIGN_OR_RETURN(auto source, mysql::MySqlSource::Open(url, options));
    return std::unique_ptr<Source>(std::move(source));
  }
  auto scheme_end = url.find("://");
  return InvalidArgument("opening source: unsupported URL scheme \"" +
                         (scheme_end == std::string::npos ? std::string() : url.substr(0, scheme_end)) +
                         "\" (expected postgresql://, postgres://, mysql:// or mariadb://)");
}

}  // namespace dbexport::source
