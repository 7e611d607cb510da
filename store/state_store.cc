#include "store/state_store.h"
