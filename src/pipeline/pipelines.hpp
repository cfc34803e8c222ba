// Sales pipelines: several allowed, each an ordered list of stages with a win
// probability (percent) and an outcome (open, won, lost). Synced records.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "common/json.hpp"
#include "pipeline/sales_record.hpp"
#include "store/database.hpp"

namespace crmlite::pipeline {

std::span<const FieldSpec> pipeline_fields();
std::span<const FieldSpec> stage_fields();

struct Stage {
    Uuid id;
    Uuid pipeline;
    std::string name;
    std::int64_t position = 0;
    std::int64_t probability = 0;  // percent, 0..100
    std::string outcome;           // open | won | lost
};

// {"name", "stages":[{"name", "probability", "outcome"}]}: at least one open
// stage; a won stage (100 %) and a lost stage (0 %) are added when not given.
// Returns the pipeline as get() renders it.
Json create(Database& db, const Json& input);
// {"id", "name", "stages":[{"id","name","position","probability","outcome"}]}
Json get(Database& db, const Uuid& id);
Json list(Database& db);
// Deletes a pipeline that no opportunity uses (CRM_EEXISTS otherwise: archive
// it instead) with its stages, each with a tombstone that syncs. Needs the
// "delete" permission. Under sync the delete wins: an opportunity added
// offline in it elsewhere is dropped when the two meet.
void remove(Database& db, const Uuid& id);
// Changes a stage's name, probability or position.
bool update_stage(Database& db, const Uuid& stage, const Json& patch);

std::optional<Stage> stage(Database& db, const Uuid& id);
std::vector<Stage> stages_of(Database& db, const Uuid& pipeline);
// The only pipeline there is, or nothing when there are none or several.
std::optional<Uuid> sole_pipeline(Database& db);

}  // namespace crmlite::pipeline
