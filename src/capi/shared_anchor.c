/* The shared library's own translation unit: everything else comes from the
 * whole-archive link of crmlite_static, filtered by crmlite.map. */
#include "crmlite/crmlite.h"
