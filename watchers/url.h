// URLs as sources and listings give them (RFC 3986): resolving references, schemes, origins,
// and the userinfo that must never become part of a document's identity. The parser is
// common/url.h, shared with config and daemon; these are its names in watchers.
#pragma once

#include "common/url.h"

namespace freshd::watchers {

using url::ResolveUrl;
using url::SameOrigin;
using url::UrlScheme;
using url::WithoutUserinfo;

}  // namespace freshd::watchers
