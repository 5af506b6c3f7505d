// Signed by the image tests; its contents do not matter, only its linkage.
#include <stdio.h>

int main(void) {
  puts("hello from a tiny enclave test program");
  return 0;
}
