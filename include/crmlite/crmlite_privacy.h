/*
 * crmlite_privacy.h — part of the crmlite C ABI, included by crmlite.h (include
 * crmlite.h, not this file). Access control and privacy: principals, roles, owner scopes, masking,
 * audit log, export and erasure of a person's data (issue 7).
 * The conventions of crmlite.h hold here too.
 */
#ifndef CRMLITE_PRIVACY_H
#define CRMLITE_PRIVACY_H

#ifndef CRMLITE_H
#error "include <crmlite/crmlite.h>, which includes this file"
#endif

#ifdef __cplusplus
extern "C" {
#endif

#ifdef __cplusplus
}
#endif

#endif /* CRMLITE_PRIVACY_H */
