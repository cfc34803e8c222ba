// Pipeline reports, computed from the synced opportunities and stage history on
// each device (derived data: nothing here is stored or synced).
#pragma once

#include "common/json.hpp"
#include "store/database.hpp"

namespace crmlite::forecast {

// Each report needs "read" and counts only the opportunities (and stage
// history) whose customer is in the principal's scope: a rep's forecast is its
// own pipeline, a manager's its team's.

// Open pipeline by stage: {"pipeline_id"?} -> {"pipelines":[{"id","name","stages":[
// {"id","name","position","probability","outcome","count","amounts":[{"currency",
// "amount_minor","weighted_minor"}]}]}]}. Weighted = sum(amount x probability) / 100,
// rounded half up once per group (never per deal).
Json by_stage(Database& db, const Json& params);

// {"period":"month"|"quarter", "group_by":"owner"|"team"|"none", "from", "to"
// (ISO dates), "pipeline_id"} -> {"rows":[{"period", "owner"|"team", "currency",
// "open_count", "pipeline_minor", "weighted_minor", "won_count", "won_minor",
// "lost_count", "win_rate"}], "summary":[{"currency", "won_count", "lost_count",
// "win_rate", "avg_won_minor", "avg_cycle_days", "open_count", "velocity_minor_per_day"}]}.
// Open deals count in the period of their expected close ("unscheduled" when
// none), won and lost ones in the period they closed (UTC dates).
Json forecast(Database& db, const Json& params);

// From the stage history: {"pipeline_id"} -> {"stages":[{"id","name","entered",
// "advanced","conversion_rate","won","avg_days_in_stage"}], "avg_cycle_days", "won", "lost"}.
// A stay ends when the opportunity next moves; stays still running are not averaged.
Json stage_analytics(Database& db, const Json& params);

}  // namespace crmlite::forecast
