#include "daemon/setup_watch.hpp"

#include "logging/event_line.hpp"

#include <spdlog/logger.h>

namespace recharged::daemon {

SetupWatch::SetupWatch(diagnose::LocalSetup setup, const Clock& clock, std::shared_ptr<spdlog::logger> log)
    : setup_(std::move(setup)), clock_(clock), log_(std::move(log)) {}

void SetupWatch::on_call(const wxpay::CallRecord& r) {
  const bool refused_answer = !r.signature_refused.empty();
  if (!refused_answer && r.http_status != 401) return;
  if (logged_.exchange(true)) return;
  diagnose::AnswerFacts facts;
  facts.status = r.http_status;
  if (r.http_status == 401) facts.error_code = r.outcome;
  facts.headers = r.signature_headers;
  if (refused_answer) {
    Error e = Error::make(ErrorKind::retryable, "signature",
                          "The answer's signature was refused (" + r.signature_refused + ").");
    e.field = r.signature_refused;
    facts.verification = std::move(e);
  }
  const std::string trigger = refused_answer ? "answer_signature:" + r.signature_refused : "http_401";
  for (const auto& f : diagnose::diagnose_answer(setup_, facts, "", clock_.now())) {
    logging::EventLine line("setup_diagnosis");
    line.kv("trigger", trigger).kv("endpoint", wxpay::to_string(r.endpoint)).kv("check", f.check).kv("status", diagnose::to_string(f.status))
        .kv("message", f.message);
    if (!f.next.empty()) line.kv("next", f.next);
    if (f.status == diagnose::Status::ok) log_->info(line.str());
    else log_->warn(line.str());
  }
}

} // namespace recharged::daemon
