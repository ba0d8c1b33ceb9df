import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { api, type ConversationOut } from "../../lib/api";
import { formatDateTime } from "../../lib/format";

interface Props {
  currentId: string | null;
  onOpen: (id: string | null) => void;
  onClose?: () => void;
}

export function HistorySidebar({ currentId, onOpen, onClose }: Props) {
  const queryClient = useQueryClient();
  const list = useQuery({ queryKey: ["conversations"], queryFn: () => api.conversations(), refetchInterval: 30_000 });
  const refresh = () => queryClient.invalidateQueries({ queryKey: ["conversations"] });
  const rename = useMutation({
    mutationFn: ({ id, title }: { id: string; title: string }) => api.rename(id, title),
    onSettled: refresh,
  });
  const remove = useMutation({
    mutationFn: (id: string) => api.remove(id),
    onSuccess: (_data, id) => {
      if (id === currentId) onOpen(null);
    },
    onSettled: refresh,
  });

  // Newest first: the server sorts, this keeps it true after local renames.
  const items = [...(list.data?.items ?? [])].sort((a, b) => b.updated_at.localeCompare(a.updated_at));
  return (
    <section className="panel grow history" aria-labelledby="history-title" data-testid="history">
      <header>
        <h2 id="history-title">History</h2>
        <span className="grow" />
        <button type="button" className="btn small primary" onClick={() => onOpen(null)} data-testid="new-conversation">
          + New
        </button>
        {onClose && (
          <button type="button" className="btn small ghost" onClick={onClose} aria-label="Close history">
            ✕
          </button>
        )}
      </header>
      <div className="panel-body">
        {list.isError && (
          <p className="down" role="alert">
            Could not load conversations: {list.error.message}
          </p>
        )}
        {remove.isError && (
          <p className="down" role="alert">
            {remove.error.message}
          </p>
        )}
        {list.isSuccess && items.length === 0 && <p className="empty">No conversations yet.</p>}
        <ul>
          {items.map((c) => (
            <Row
              key={c.id}
              conversation={c}
              current={c.id === currentId}
              onOpen={() => onOpen(c.id)}
              onRename={(title) => rename.mutate({ id: c.id, title })}
              onDelete={() => remove.mutate(c.id)}
            />
          ))}
        </ul>
      </div>
    </section>
  );
}

interface RowProps {
  conversation: ConversationOut;
  current: boolean;
  onOpen: () => void;
  onRename: (title: string) => void;
  onDelete: () => void;
}

function Row({ conversation: c, current, onOpen, onRename, onDelete }: RowProps) {
  const [editing, setEditing] = useState(false);
  const [title, setTitle] = useState(c.title);
  const [confirming, setConfirming] = useState(false);

  const save = () => {
    const next = title.trim();
    setEditing(false);
    if (next && next !== c.title) onRename(next.slice(0, 200));
  };

  return (
    <li className={current ? "current" : ""} data-testid="history-item" data-id={c.id}>
      {editing ? (
        <div style={{ padding: "6px 8px 2px" }}>
          <input
            aria-label="Conversation title"
            value={title}
            autoFocus
            maxLength={200}
            onChange={(e) => setTitle(e.target.value)}
            onBlur={save}
            onKeyDown={(e) => {
              if (e.key === "Enter") save();
              if (e.key === "Escape") {
                setTitle(c.title);
                setEditing(false);
              }
            }}
          />
        </div>
      ) : (
        <button type="button" className="open" onClick={onOpen} aria-current={current ? "true" : undefined}>
          <span className="t" title={c.title}>
            {c.title || "Untitled"}
          </span>
          <span className="d">
            {formatDateTime(c.updated_at)} · {c.message_count.toLocaleString("en-US")} message{c.message_count === 1 ? "" : "s"}
          </span>
        </button>
      )}
      <div className="actions">
        {confirming ? (
          <>
            <span className="muted" style={{ fontSize: 12, alignSelf: "center" }}>
              Delete?
            </span>
            <button type="button" className="btn small danger" onClick={onDelete} data-testid="confirm-delete">
              Delete
            </button>
            <button type="button" className="btn small" onClick={() => setConfirming(false)}>
              Keep
            </button>
          </>
        ) : (
          <>
            <button
              type="button"
              className="btn small ghost"
              onClick={() => {
                setTitle(c.title);
                setEditing(true);
              }}
              aria-label={`Rename ${c.title}`}
            >
              ✏️
            </button>
            <a className="btn small ghost" href={api.exportUrl(c.id)} download aria-label={`Export ${c.title} as markdown`}>
              ⬇
            </a>
            <button type="button" className="btn small ghost" onClick={() => setConfirming(true)} aria-label={`Delete ${c.title}`}>
              🗑
            </button>
          </>
        )}
      </div>
    </li>
  );
}
