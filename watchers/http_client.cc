#include "watchers/http_client.h"
