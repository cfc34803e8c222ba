/*
 * crmlite_quality.h — part of the crmlite C ABI, included by crmlite.h (include
 * crmlite.h, not this file). Data quality: normalisation, validation, completeness, duplicate
 * detection and merge (issue 6).
 * The conventions of crmlite.h hold here too.
 */
#ifndef CRMLITE_QUALITY_H
#define CRMLITE_QUALITY_H

#ifndef CRMLITE_H
#error "include <crmlite/crmlite.h>, which includes this file"
#endif

#ifdef __cplusplus
extern "C" {
#endif

#ifdef __cplusplus
}
#endif

#endif /* CRMLITE_QUALITY_H */
