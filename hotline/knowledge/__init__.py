"""The knowledge base (知识库): policy answers operators read out to answer calls directly."""
