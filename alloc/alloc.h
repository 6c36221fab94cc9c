/*
 * alloc/alloc.h - the alloc library in one include: who evacuates, who goes
 * to which shelter, meals 3x1 and clothing kits from depot stock, how the
 * plan changes over time, and the SPM counts.
 *
 *   alloc/common.h  errors, items, days, household/shelter/depot structs
 *   alloc/policy.h  evacuation policy (alloc_policy_*)
 *   alloc/shelter.h stateless shelter assignment (alloc_shelter_assign)
 *   alloc/supply.h  stock ledger with lots and expiry, meal/kit rules
 *                   (alloc_ledger_*, alloc_supply_*)
 *   alloc/plan.h    the living plan and its steps (alloc_plan_*)
 *   alloc/report.h  SPM counts (alloc_report_*)
 *
 * Pure C11 over plain structs: no I/O, no globals, no printing,
 * deterministic. See docs/alloc.md for rules, algorithm and defaults.
 */
#ifndef POSKO_ALLOC_ALLOC_H
#define POSKO_ALLOC_ALLOC_H

#include "alloc/common.h"
#include "alloc/policy.h"
#include "alloc/shelter.h"
#include "alloc/supply.h"
#include "alloc/plan.h"
#include "alloc/report.h"

#endif
