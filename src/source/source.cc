#include "source/source.h"

#include "source/mysql/mysql_source_internal.h"
#include "source/postgres/postgres_source_internal.h"

namespace dbexport::source {

Result<SourceUrl> CheckSourceUrl(std::string_view url) {
  DBX_ASSIGN_OR_RETURN(SourceUrl parsed, ParseSourceUrl(url));
  if (parsed.IsPostgres()) DBX_RETURN_IF_ERROR(postgres::CheckUrlParameters(parsed));
  return parsed;
}

Result<std::unique_ptr<Source>> OpenSource(const std::string& url, const SourceOptions& options) {
  DBX_ASSIGN_OR_RETURN(SourceUrl parsed, CheckSourceUrl(url));
  if (parsed.IsPostgres()) {
    DBX_ASSIGN_OR_RETURN(auto source, postgres::PgSource::Open(url, options));
    return std::unique_ptr<Source>(std::move(source));
  }
  DBX_ASSIGN_OR_RETURN(auto source, mysql::MySqlSource::Open(url, options));
  return std::unique_ptr<Source>(std::move(source));
}

}  // namespace dbexport::source
