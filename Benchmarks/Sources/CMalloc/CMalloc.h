// glibc's allocator statistics (mallinfo2), which the Glibc module leaves out:
// the soak reports the heap in use beside RSS to tell fragmentation from growth.
#if __has_include(<malloc.h>)
#include <malloc.h>
#endif
