#include "watchers/fetch_error.h"
