// The official Chroma client as an application uses it on freshd's collection: it opens the
// collection by name, builds the embedding function from the collection's configuration
// (importing @chroma-core/openai registers "openai"), and queries by text.
//
//   node chroma_query.mjs CHROMA_URL COLLECTION query "QUESTION"   -> {"documents", "metadatas", ...}
//   node chroma_query.mjs CHROMA_URL COLLECTION get                -> {"ids", "metadatas", ...}
//
// The OpenAI client inside reads OPENAI_API_KEY (or the variable the configuration names)
// and OPENAI_BASE_URL from the environment. Prints one JSON line; exits 1 with the reason on
// any error.
import "@chroma-core/openai";
import { ChromaClient } from "chromadb";

const [url, name, mode, question] = process.argv.slice(2);

async function main() {
  const { hostname, port, protocol } = new URL(url);
  const client = new ChromaClient({ host: hostname, port: Number(port), ssl: protocol === "https:" });
  const collection = await client.getCollection({ name });
  const described = {
    embedding_function: collection.embeddingFunction?.name ?? null,
    space: collection.configuration?.hnsw?.space ?? null,
  };
  if (mode === "query") {
    const result = await collection.query({ queryTexts: [question], nResults: 1 });
    return { ...described, documents: result.documents[0], metadatas: result.metadatas[0] };
  }
  const result = await collection.get({ include: ["documents", "metadatas"] });
  return { ...described, ids: result.ids, documents: result.documents, metadatas: result.metadatas };
}

try {
  console.log(JSON.stringify(await main()));
} catch (error) {
  console.error(`chroma_query: ${error?.stack ?? error}`);
  process.exit(1);
}
