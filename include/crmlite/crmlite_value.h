/*
 * crmlite_value.h — part of the crmlite C ABI, included by crmlite.h (include
 * crmlite.h, not this file). Customer value and lifecycle: RFM segments, value tiers, dynamic tags,
 * follow-up rules, tasks, reminders, churn risk, reports (issue 5).
 * The conventions of crmlite.h hold here too.
 */
#ifndef CRMLITE_VALUE_H
#define CRMLITE_VALUE_H

#ifndef CRMLITE_H
#error "include <crmlite/crmlite.h>, which includes this file"
#endif

#ifdef __cplusplus
extern "C" {
#endif

#ifdef __cplusplus
}
#endif

#endif /* CRMLITE_VALUE_H */
