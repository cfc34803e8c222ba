/*
 * crmlite_storage.h — part of the crmlite C ABI, included by crmlite.h (include
 * crmlite.h, not this file). Storage: online backup, restore, verification and encryption at rest (issue 7).
 * The conventions of crmlite.h hold here too.
 */
#ifndef CRMLITE_STORAGE_H
#define CRMLITE_STORAGE_H

#ifndef CRMLITE_H
#error "include <crmlite/crmlite.h>, which includes this file"
#endif

#ifdef __cplusplus
extern "C" {
#endif

#ifdef __cplusplus
}
#endif

#endif /* CRMLITE_STORAGE_H */
