// SSE family (registered on import).
export {};
