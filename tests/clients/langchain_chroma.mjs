// LangChain JS's Chroma store and a retriever on freshd's collection, as a RAG app builds
// them: OpenAIEmbeddings for the question (the model freshd embeds with), the top document
// and its metadata.source (what a citing app prints).
//
//   node langchain_chroma.mjs CHROMA_URL COLLECTION EMBEDDINGS_BASE_URL MODEL "QUESTION"
//     -> {"documents": [{"pageContent", "metadata"}]}
//
// Prints one JSON line; exits 1 with the reason on any error.
import { Chroma } from "@langchain/community/vectorstores/chroma";
import { OpenAIEmbeddings } from "@langchain/openai";
import { ChromaClient } from "chromadb";

const [url, collectionName, baseURL, model, question] = process.argv.slice(2);

async function main() {
  const embeddings = new OpenAIEmbeddings({ model, apiKey: "any-key", configuration: { baseURL } });
  const store = new Chroma(embeddings, { collectionName, url });
  // The store opens its collection with getOrCreateCollection({embeddingFunction: null}),
  // which chromadb 3 can only answer by importing @chroma-core/default-embed (a local model
  // runtime, not installed here), whatever the collection's configuration says. An app
  // without that package hands the store the collection opened by name, as here.
  const { hostname, port } = new URL(url);
  const client = new ChromaClient({ host: hostname, port: Number(port) });
  store.collection = await client.getCollection({ name: collectionName });
  const documents = await store.asRetriever(1).invoke(question);
  return { documents: documents.map(({ pageContent, metadata }) => ({ pageContent, metadata })) };
}

try {
  console.log(JSON.stringify(await main()));
} catch (error) {
  console.error(`langchain_chroma: ${error?.stack ?? error}`);
  process.exit(1);
}
