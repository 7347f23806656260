;;; prisma-down.el --- prisma-down through eglot  -*- lexical-binding: t; -*-
;; Put this file in your load path and (require 'prisma-down), or paste it into your
;; init.el. Needs eglot (built in from Emacs 29; `elpa-eglot' on Debian 12, or
;; M-x package-install RET eglot) and `prisma-down' on `exec-path' (`pip install prisma-down').

(require 'eglot)

;; The server for SQL buffers. It only analyses migration.sql and down.sql files of a
;; Prisma migrations folder; the hook below starts it in those buffers only.
(add-to-list 'eglot-server-programs '((sql-mode) . ("prisma-down" "lsp")))

(defun prisma-down-migration-file-p (&optional file)
  "Non-nil if FILE is a Prisma migration.sql or down.sql.
FILE defaults to the file of the current buffer."
  (let ((file (or file buffer-file-name)))
    (and file
         (member (file-name-nondirectory file) '("migration.sql" "down.sql"))
         (locate-dominating-file file "migration_lock.toml")
         t)))

;; Outside a VCS checkout, make the migrations folder (it holds migration_lock.toml) the
;; project, so all migrations share one server. Appended: a git root still wins.
(defun prisma-down-project (dir)
  "The Prisma migrations folder above DIR, as a transient project, or nil."
  (let ((root (locate-dominating-file dir "migration_lock.toml")))
    (and root (cons 'transient (expand-file-name root)))))
(add-hook 'project-find-functions #'prisma-down-project 100)

(defun prisma-down-generate-down-sql ()
  "Write down.sql for the migration of this buffer, then open it.
Runs the \"Generate down.sql\" code action (`source.generateDownSql').
Eglot 1.9 cannot create files from an edit, so for it the action
carries the server command `prismaDown.generateDownSql', which
writes the file on disk."
  (interactive)
  (let ((down (expand-file-name "down.sql" (file-name-directory buffer-file-name))))
    (eglot-code-actions (point-min) (point-max) "source.generateDownSql" t)
    (when (file-exists-p down)
      (find-file-other-window down))))

(defvar prisma-down-keys-mode-map
  (let ((map (make-sparse-keymap)))
    (define-key map (kbd "C-c l a") #'eglot-code-actions)          ; all actions here
    (define-key map (kbd "C-c l q") #'eglot-code-action-quickfix)  ; quick fixes here
    (define-key map (kbd "C-c l d") #'prisma-down-generate-down-sql)
    (define-key map (kbd "C-c l n") #'flymake-goto-next-error)
    (define-key map (kbd "C-c l p") #'flymake-goto-prev-error)
    (define-key map (kbd "C-c l l") #'flymake-show-buffer-diagnostics)
    map)
  "Keys for prisma-down in migration buffers.")

(define-minor-mode prisma-down-keys-mode
  "Keys for prisma-down code actions and diagnostics."
  :lighter nil
  :keymap prisma-down-keys-mode-map)

(defun prisma-down-maybe-start ()
  "Start eglot (and the keys) in a migration.sql or down.sql."
  (when (prisma-down-migration-file-p)
    (prisma-down-keys-mode 1)
    (eglot-ensure)))
(add-hook 'sql-mode-hook #'prisma-down-maybe-start)

(provide 'prisma-down)
;;; prisma-down.el ends here
