// LangChain JS's PGVectorStore reading the tables freshd writes with `layout: langchain`
// (LangChain Python's PGVector names: langchain_pg_collection, langchain_pg_embedding with
// document, cmetadata and embedding), as a RAG app configures it to, and retrieving for a
// question with the same OpenAI-compatible embedder freshd used.
//
//   node langchain_pgvector.mjs POSTGRES_URL EMBEDDINGS_BASE_URL MODEL COLLECTION QUESTION
//
// Prints the retrieved documents as JSON lines ({id, source, text}); exits 1 on any error.
import { PGVectorStore } from "@langchain/community/vectorstores/pgvector";
import { OpenAIEmbeddings } from "@langchain/openai";

const [connectionString, baseURL, model, collectionName, question] = process.argv.slice(2);
if (!question) {
  console.error("usage: langchain_pgvector.mjs POSTGRES_URL BASE_URL MODEL COLLECTION QUESTION");
  process.exit(2);
}

const embeddings = new OpenAIEmbeddings({
  model,
  apiKey: "not-needed-by-the-test-api",
  configuration: { baseURL },
});
const store = new PGVectorStore(embeddings, {
  postgresConnectionOptions: { connectionString },
  tableName: "langchain_pg_embedding",
  collectionTableName: "langchain_pg_collection",
  collectionName,
  columns: {
    idColumnName: "id",
    vectorColumnName: "embedding",
    contentColumnName: "document",
    metadataColumnName: "cmetadata",
  },
  distanceStrategy: "cosine",
});

try {
  const documents = await store.asRetriever({ k: 2 }).invoke(question);
  for (const document of documents) {
    console.log(
      JSON.stringify({ id: document.id, source: document.metadata.source, text: document.pageContent }),
    );
  }
} catch (error) {
  console.error(`langchain_pgvector: ${error.message}`);
  process.exitCode = 1;
} finally {
  await store.end();
}
