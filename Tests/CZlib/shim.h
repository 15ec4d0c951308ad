// zlib (Debian: zlib1g-dev), used by the browser test to decode the screenshot PNG.
#include <zlib.h>
