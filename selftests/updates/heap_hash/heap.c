/* Records are reached only through struct rec pointers: convert them. */
#include <upstare.h>

UPSTARE_HEAP_CONVERT("struct rec");
