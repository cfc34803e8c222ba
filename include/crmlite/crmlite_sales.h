/*
 * crmlite_sales.h — part of the crmlite C ABI, included by crmlite.h (include
 * crmlite.h, not this file). Sales and marketing: leads, opportunities, pipelines, forecasts,
 * campaigns with attribution (issue 8).
 * The conventions of crmlite.h hold here too.
 */
#ifndef CRMLITE_SALES_H
#define CRMLITE_SALES_H

#ifndef CRMLITE_H
#error "include <crmlite/crmlite.h>, which includes this file"
#endif

#ifdef __cplusplus
extern "C" {
#endif

#ifdef __cplusplus
}
#endif

#endif /* CRMLITE_SALES_H */
