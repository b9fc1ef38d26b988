-- policybook: write images as Typst `image(..., alt: ...)`, so the PDF carries each image's
-- alternative text (pandoc's Typst writer leaves it out). Paths were made safe before pandoc ran.
local function typst_string(text)
  return '"' .. text:gsub('\\', '\\\\'):gsub('"', '\\"') .. '"'
end

function Image(image)
  local alt = pandoc.utils.stringify(image.caption)
  return pandoc.RawInline('typst',
    '#box(image(' .. typst_string(image.src) .. ', alt: ' .. typst_string(alt) .. ', width: 80%))')
end

-- Admonitions (`!!! note "Title"` in the policy: a div whose first paragraph is the title) become a
-- framed Typst block with the title in bold. The title is passed as a Typst string, never as markup.
function Div(div)
  if not div.classes:includes('admonition') then
    return nil
  end
  local title = 'Note'
  local content = div.content
  if #content > 0 and (content[1].t == 'Para' or content[1].t == 'Plain') then
    title = pandoc.utils.stringify(content[1])
    content = {table.unpack(content, 2)}
  end
  local blocks = {pandoc.RawBlock('typst',
    '#block(width: 100%, stroke: 1pt + black, inset: 8pt, breakable: true)[#strong(' ..
    typst_string(title) .. ')\n')}
  for _, block in ipairs(content) do
    table.insert(blocks, block)
  end
  table.insert(blocks, pandoc.RawBlock('typst', ']'))
  return blocks
end
