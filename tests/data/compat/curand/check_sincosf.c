#define _GNU_SOURCE
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <stdint.h>
int main(){
  uint64_t bad=0,n=0;
  float lo=0.0f, hi=7.0f;
  uint32_t a,b; memcpy(&a,&lo,4); memcpy(&b,&hi,4);
  for(uint32_t i=a;i<=b;i++){ float x; memcpy(&x,&i,4);
    float s1=sinf(x), c1=cosf(x), s2, c2; sincosf(x,&s2,&c2);
    if(memcmp(&s1,&s2,4)||memcmp(&c1,&c2,4)){ if(bad<5) printf("diff at %a\n",x); bad++;} n++; }
  printf("n=%lu bad=%lu\n",n,bad); return 0; }
